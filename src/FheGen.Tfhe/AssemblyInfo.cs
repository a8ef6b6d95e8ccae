// FheGen.Tfhe: the project's own TFHE implementation (see README, "Encrypted inference", and docs/tfhe-reference.md).
// Layout: Parameters (parameter sets, noise and security formulas), Arithmetic (torus, FFT, decomposition),
// Core (LWE/GLWE/GGSW ciphertexts and keys).
