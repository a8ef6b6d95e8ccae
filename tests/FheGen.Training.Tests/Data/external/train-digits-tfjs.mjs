// Trains the external model the import tests use: a 64-32-10 ReLU MLP in TensorFlow.js (npm @tensorflow/tfjs 4.22.0),
// on pixels scaled to [0, 1], and writes its weights as a Keras-style JSON ({"<layer>/kernel": [in][out], "<layer>/bias"})
// and as a PyTorch-style state_dict JSON ({"fc1.weight": [out][in], "fc1.bias"}), plus reference logits.
//   npm install @tensorflow/tfjs@4.22.0
//   node train-digits-tfjs.mjs train.csv test.csv OUTDIR
// train.csv / test.csv: the digits sample's stratified 75/25 split (seed 42), 64 pixels then the label per row.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

const [trainPath, testPath, outDir] = process.argv.slice(2);
function load(file) {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => l.split(',').map(Number));
  return { x: rows.map(r => r.slice(0, 64).map(v => v / 16)), y: rows.map(r => r[64]) };
}
const train = load(trainPath), test = load(testPath);
const model = tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [64], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }) }),
  tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 43 }) }),
] });
model.compile({ optimizer: tf.train.adam(0.005), loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
const xs = tf.tensor2d(train.x), ys = tf.oneHot(tf.tensor1d(train.y, 'int32'), 10).toFloat();
await model.fit(xs, ys, { epochs: 40, batchSize: 32, shuffle: false, verbose: 0 });
const logits = model.predict(tf.tensor2d(test.x)).arraySync();
const accuracy = logits.filter((l, i) => l.indexOf(Math.max(...l)) === test.y[i]).length / test.y.length;

const keras = {}, torch = {};
model.layers.forEach((layer, i) => {
  const [kernel, bias] = layer.getWeights().map(w => w.arraySync());
  keras[`${layer.name}/kernel`] = kernel;
  keras[`${layer.name}/bias`] = bias;
  torch[`fc${i + 1}.weight`] = kernel[0].map((_, o) => kernel.map(row => row[o]));
  torch[`fc${i + 1}.bias`] = bias;
});
fs.writeFileSync(path.join(outDir, 'digits-tfjs-keras.json'), JSON.stringify(keras));
fs.writeFileSync(path.join(outDir, 'digits-tfjs-torch.json'), JSON.stringify(torch));
fs.writeFileSync(path.join(outDir, 'digits-tfjs-reference.json'), JSON.stringify({
  framework: `@tensorflow/tfjs ${tf.version.tfjs}`, inputScale: 1 / 16, testAccuracy: accuracy, firstTestLogits: logits.slice(0, 10),
}));
console.log(`test accuracy ${accuracy}`);
