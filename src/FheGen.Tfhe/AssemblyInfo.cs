// FheGen.Tfhe: the project's own TFHE implementation (see README, "Encrypted inference", and docs/tfhe-reference.md).
// Layout after TFHE-rs' core_crypto (docs/architecture.md): Commons (torus, decomposition, sampling, ChaCha20),
// Fft, Entities (ciphertexts and keys), Algorithms (external product, PBS), Serialization, Keys (user-held keys),
// Circuits (a plan under TFHE), Deployment. Parameter sets and noise formulas are in FheGen.Compiler.Parameters.
