// FheGen.Tfhe: the project's own TFHE implementation (see README and ../shared/DESIGN.md, "TFHE backend").
// Layout: Parameters (parameter sets, noise and security formulas), Arithmetic (torus, FFT, decomposition),
// Core (LWE/GLWE/GGSW ciphertexts and keys).
