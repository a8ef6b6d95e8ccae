// Trains small MLPs with TensorFlow.js (npm @tensorflow/tfjs 4.22.0, pure-JS CPU backend) and writes them as ONNX files
// with onnx-proto 8.0.1 (protobufjs classes compiled from onnx.proto), in the shapes real exporters produce, then checks
// each file with onnxruntime-node 1.30.0 against the tfjs logits. See README.md beside this file.
//   npm install @tensorflow/tfjs@4.22.0 onnx-proto@8.0.1 onnxruntime-node@1.30.0
//   node export-onnx-tfjs.mjs train.csv test.csv OUTDIR
// train.csv / test.csv: the digits sample's stratified 75/25 split (seed 42), 64 pixels then the label per row.
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
const { onnx } = onnxProto;
import path from 'node:path';

const [trainPath, testPath, outDir] = process.argv.slice(2);
function load(file) {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(',').map(Number));
  return { x: rows.map(r => r.slice(0, 64).map(v => v / 16)), y: rows.map(r => r[64]) };
}
const train = load(trainPath), test = load(testPath);
const producer = { producerName: 'tfjs+onnx-proto (FheGen test export)', producerVersion: `@tensorflow/tfjs ${tf.version.tfjs}` };

function mlp(sizes, activation, seed) {
  const layers = [];
  for (let l = 1; l < sizes.length; l++) {
    layers.push(tf.layers.dense({
      inputShape: l === 1 ? [sizes[0]] : undefined, units: sizes[l], activation: l < sizes.length - 1 ? activation : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + l - 1 }),
    }));
  }
  return tf.sequential({ layers });
}
async function fit(model) {
  model.compile({ optimizer: tf.train.adam(0.005), loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
  const xs = tf.tensor2d(train.x), ys = tf.oneHot(tf.tensor1d(train.y, 'int32'), 10).toFloat();
  await model.fit(xs, ys, { epochs: 40, batchSize: 32, shuffle: false, verbose: 0 });
}
// kernel [in][out] -> flat row-major of the requested layout
const flat = (m) => Float32Array.from(m.flat());
const transpose = (m) => m[0].map((_, o) => m.map(row => row[o]));
const f32 = (name, dims, values, useFloatData) => useFloatData
  ? { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) }
  : { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
const i64 = (name, values) => ({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
const valueInfo = (name, dims) => ({
  name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map(d => typeof d === 'string' ? { dimParam: d } : { dimValue: d }) } } },
});
const attrF = (name, f) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const attrI = (name, i) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
function save(file, graph, opset, irVersion) {
  const model = onnx.ModelProto.create({ irVersion, ...producer, opsetImport: [{ domain: '', version: opset }], graph });
  fs.writeFileSync(path.join(outDir, file), onnx.ModelProto.encode(model).finish());
}

// PyTorch's torch.onnx.export form: Gemm(transB = 1) with weights [out, in] in raw_data, Relu between; opset 13.
function exportGemm(model, file, activationOp) {
  const nodes = [], inits = [];
  let current = 'input';
  model.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights().map(w => w.arraySync());
    const w = `fc${i + 1}.weight`, b = `fc${i + 1}.bias`, out = `/fc${i + 1}/Gemm_output_0`;
    inits.push(f32(w, [kernel[0].length, kernel.length], flat(transpose(kernel))), f32(b, [bias.length], bias));
    nodes.push({ name: `/fc${i + 1}/Gemm`, opType: 'Gemm', input: [current, w, b], output: [out], attribute: [attrF('alpha', 1), attrF('beta', 1), attrI('transB', 1)] });
    current = out;
    if (i < model.layers.length - 1) {
      nodes.push({ name: `/act${i + 1}/${activationOp}`, opType: activationOp, input: [current], output: [`/act${i + 1}/${activationOp}_output_0`] });
      current = nodes.at(-1).output[0];
    }
  });
  nodes.at(-1).output[0] = 'logits';
  save(file, { name: 'main_graph', node: nodes, initializer: inits, input: [valueInfo('input', ['batch', 64])], output: [valueInfo('logits', ['batch', 10])] }, 13, 7);
}

// tf2onnx's form for Keras Dense: MatMul with the kernel [in, out] (here in float_data) then Add of the bias; the input
// is an 8x8 image reshaped to 64 features with a shape initializer; Identity on the output; opset 17.
function exportMatMul(model, file, activationOp) {
  const nodes = [{ name: 'flatten/Reshape', opType: 'Reshape', input: ['pixels', 'flatten/shape'], output: ['flatten/Reshape:0'] }];
  const inits = [i64('flatten/shape', [-1, 64])];
  let current = 'flatten/Reshape:0';
  model.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights().map(w => w.arraySync());
    const n = `dense_${i + 1}`;
    inits.push(f32(`${n}/kernel`, [kernel.length, kernel[0].length], flat(kernel), true), f32(`${n}/bias`, [bias.length], bias, true));
    nodes.push({ name: `${n}/MatMul`, opType: 'MatMul', input: [current, `${n}/kernel`], output: [`${n}/MatMul:0`] });
    nodes.push({ name: `${n}/BiasAdd`, opType: 'Add', input: [`${n}/MatMul:0`, `${n}/bias`], output: [`${n}/BiasAdd:0`] });
    current = `${n}/BiasAdd:0`;
    if (i < model.layers.length - 1) {
      nodes.push({ name: `${n}/${activationOp}`, opType: activationOp, input: [current], output: [`${n}/${activationOp}:0`] });
      current = `${n}/${activationOp}:0`;
    }
  });
  nodes.push({ name: 'Identity', opType: 'Identity', input: [current], output: ['logits'] });
  save(file, { name: 'tf2onnx', node: nodes, initializer: inits, input: [valueInfo('pixels', ['N', 8, 8])], output: [valueInfo('logits', ['N', 10])] }, 17, 8);
}

// Gemm with transB = 0 (weights [in, out]), alpha = 0.5 on doubled weights and beta = 2 on halved biases (both exact in
// float), so the importer's alpha and beta handling meets a file ONNX Runtime also reads; opset 21.
function exportWide(model, file) {
  const nodes = [], inits = [];
  let current = 'input';
  model.layers.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights().map(w => w.arraySync());
    const w = `layers.${i}.weight`, b = `layers.${i}.bias`, out = `/layers.${i}/Gemm_output_0`;
    inits.push(f32(w, [kernel.length, kernel[0].length], flat(kernel).map(v => 2 * v)), f32(b, [1, bias.length], bias.map(v => v / 2)));
    nodes.push({ name: `/layers.${i}/Gemm`, opType: 'Gemm', input: [current, w, b], output: [out], attribute: [attrF('alpha', 0.5), attrF('beta', 2)] });
    current = out;
    if (i < model.layers.length - 1) {
      nodes.push({ name: `/relu${i}/Relu`, opType: 'Relu', input: [current], output: [`/relu${i}/Relu_output_0`] });
      current = nodes.at(-1).output[0];
    }
  });
  nodes.at(-1).output[0] = 'logits';
  save(file, { name: 'main_graph', node: nodes, initializer: inits, input: [valueInfo('input', ['batch', 784])], output: [valueInfo('logits', ['batch', 10])] }, 21, 10);
}

async function check(file, inputName, dims, rows, tfjsLogits) {
  const session = await ort.InferenceSession.create(path.join(outDir, file));
  const data = Float32Array.from(rows.flat());
  const result = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows.length, ...dims]) });
  const logits = result[session.outputNames[0]].data;
  let maxDiff = 0;
  tfjsLogits.forEach((row, i) => row.forEach((v, o) => { maxDiff = Math.max(maxDiff, Math.abs(v - logits[i * 10 + o])); }));
  return maxDiff;
}
const accuracy = (logits, y) => logits.filter((l, i) => l.indexOf(Math.max(...l)) === y[i]).length / y.length;

const reference = { framework: producer.producerVersion, exporter: 'onnx-proto 8.0.1', checkedWith: 'onnxruntime-node 1.30.0', inputScale: 1 / 16, models: {} };
const gemm = mlp([64, 32, 10], 'relu', 42);
await fit(gemm);
exportGemm(gemm, 'digits-gemm-relu.onnx', 'Relu');
const gemmLogits = gemm.predict(tf.tensor2d(test.x)).arraySync();
reference.models['digits-gemm-relu.onnx'] = { testAccuracy: accuracy(gemmLogits, test.y), ortMaxAbsDiff: await check('digits-gemm-relu.onnx', 'input', [64], test.x, gemmLogits) };

const matmul = mlp([64, 32, 10], 'tanh', 44);
await fit(matmul);
exportMatMul(matmul, 'digits-matmul-tanh.onnx', 'Tanh');
const matmulLogits = matmul.predict(tf.tensor2d(test.x)).arraySync();
reference.models['digits-matmul-tanh.onnx'] = { testAccuracy: accuracy(matmulLogits, test.y), ortMaxAbsDiff: await check('digits-matmul-tanh.onnx', 'pixels', [8, 8], test.x, matmulLogits) };

// Not trained (no 784-feature data set ships with this repository): Glorot-uniform weights, seeds 46 and 47; it serves
// the latency benchmark and the float comparison on random inputs.
const wide = mlp([784, 128, 10], 'relu', 46);
exportWide(wide, 'mlp-784-128-10.onnx');
const randomRows = Array.from({ length: 16 }, (_, i) => Array.from({ length: 784 }, (_, j) => ((i * 7919 + j * 104729) % 1000) / 1000));
const wideLogits = wide.predict(tf.tensor2d(randomRows)).arraySync();
reference.models['mlp-784-128-10.onnx'] = { testAccuracy: null, ortMaxAbsDiff: await check('mlp-784-128-10.onnx', 'input', [784], randomRows, wideLogits) };

fs.writeFileSync(path.join(outDir, 'reference.json'), JSON.stringify(reference, null, 2) + '\n');
console.log(JSON.stringify(reference, null, 2));
