export { initTrainingBackend, type TrainingBackendName } from './init-backend.js';
export { originalWasmKernel, registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels.js';
