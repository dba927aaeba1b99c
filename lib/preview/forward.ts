// Preview SPADE generator forward pass built from @tensorflow/tfjs ops (no DOM, no Node APIs):
// works with any registered backend (wasm / webgl / webgpu in the browser, cpu in Node tests).
//
// Weights: models/landscape-preview/tfjs/model.json, tfjs's own weights-manifest format with
// uint8-quantised tensors, written by models/export/tfjs_export.py. Conv weights are stored
// [kh,kw,in,out] (NHWC convs), the fc weight [in,out], BatchNorm folded to scale/shift.
import * as tf from '@tensorflow/tfjs';

export interface PreviewConfig {
  labelNc: number;
  ngf: number;
  nhidden: number;
  zDim: number;
  size: [number, number];
  sh: number;
  sw: number;
  numUp: number;
  blocks: string[];
  learnedShortcut: Record<string, boolean>;
}

export interface PreviewModelJson {
  format: string;
  config: PreviewConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Fetches one weights file named in the manifest (relative path) as bytes. */
export type WeightLoader = (path: string) => Promise<ArrayBuffer>;

export class PreviewGenerator {
  readonly config: PreviewConfig;
  private readonly w: tf.NamedTensorMap;

  constructor(json: PreviewModelJson, weights: tf.NamedTensorMap) {
    this.config = json.config;
    this.w = weights;
  }

  /** Decode the (uint8-quantised) weights listed in the manifest into tensors. */
  static async load(json: PreviewModelJson, loader: WeightLoader): Promise<PreviewGenerator> {
    const all: tf.NamedTensorMap = {};
    for (const group of json.weightsManifest) {
      const buffers = await Promise.all(group.paths.map((p) => loader(p)));
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const joined = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        joined.set(new Uint8Array(b), off);
        off += b.byteLength;
      }
      Object.assign(all, tf.io.decodeWeights(joined.buffer, group.weights));
    }
    return new PreviewGenerator(json, all);
  }

  private t(name: string): tf.Tensor {
    const t = this.w[name];
    if (!t) throw new Error(`preview weights: missing ${name}`);
    return t;
  }

  private conv(x: tf.Tensor4D, name: string, bias = true): tf.Tensor4D {
    const y = tf.conv2d(x, this.t(`${name}.weight`) as tf.Tensor4D, 1, 'same');
    return bias ? tf.add(y, this.t(`${name}.bias`)) : y;
  }

  // SPADE: frozen BatchNorm (folded) then per-pixel gamma/beta from the label map.
  private spade(x: tf.Tensor4D, seg: tf.Tensor4D, p: string): tf.Tensor4D {
    const [, h, w] = x.shape;
    const normed = tf.add(tf.mul(x, this.t(`${p}.scale`)), this.t(`${p}.shift`));
    // nearest resize with floor(i * in/out) indexing = PyTorch F.interpolate(mode='nearest')
    const s = seg.shape[1] === h && seg.shape[2] === w ? seg : tf.image.resizeNearestNeighbor(seg, [h, w]);
    const actv = tf.relu(this.conv(s, `${p}.mlp_shared.0`));
    const gamma = this.conv(actv, `${p}.mlp_gamma`);
    const beta = this.conv(actv, `${p}.mlp_beta`);
    return tf.add(tf.mul(normed, tf.add(gamma, 1)), beta) as tf.Tensor4D;
  }

  private block(x: tf.Tensor4D, seg: tf.Tensor4D, b: string): tf.Tensor4D {
    const xs = this.config.learnedShortcut[b]
      ? this.conv(this.spade(x, seg, `${b}.norm_s`), `${b}.conv_s`, false)
      : x;
    let dx = this.conv(tf.leakyRelu(this.spade(x, seg, `${b}.norm_0`), 0.2), `${b}.conv_0`);
    dx = this.conv(tf.leakyRelu(this.spade(dx, seg, `${b}.norm_1`), 0.2), `${b}.conv_1`);
    return tf.add(xs, dx);
  }

  /**
   * labels: label ids, row-major [n, H, W] (H, W = config.size); z: [n, zDim].
   * Returns NHWC float image in [-1, 1]. Caller disposes the result.
   */
  forwardTensor(labels: Uint8Array, z: Float32Array, n = 1): tf.Tensor4D {
    const c = this.config;
    const [H, W] = c.size;
    if (labels.length !== n * H * W) throw new Error(`labels: expected ${n * H * W} values`);
    if (z.length !== n * c.zDim) throw new Error(`z: expected ${n * c.zDim} values`);
    return tf.tidy(() => {
      const ids = tf.tensor3d(Int32Array.from(labels), [n, H, W], 'int32');
      const seg = tf.oneHot(ids, c.labelNc).toFloat() as tf.Tensor4D; // [n,H,W,C]
      const zt = tf.tensor2d(z, [n, c.zDim]);
      let x = tf.add(tf.matMul(zt, this.t('fc.weight') as tf.Tensor2D), this.t('fc.bias'));
      // PyTorch view(N, 16ngf, sh, sw) is channel-major: reshape NCHW then go NHWC
      let h = tf.transpose(tf.reshape(x, [n, 16 * c.ngf, c.sh, c.sw]), [0, 2, 3, 1]) as tf.Tensor4D;
      // skip the first upsamplings when the configured size is below numUp doublings
      const skip = c.numUp - Math.round(Math.log2(H / c.sh));
      let ups = 0;
      const up = (t: tf.Tensor4D): tf.Tensor4D => {
        ups += 1;
        if (ups <= skip) return t;
        return tf.image.resizeNearestNeighbor(t, [t.shape[1] * 2, t.shape[2] * 2]);
      };
      h = this.block(h, seg, 'head_0');
      h = up(h);
      h = this.block(h, seg, 'G_middle_0');
      h = this.block(h, seg, 'G_middle_1');
      for (const b of ['up_0', 'up_1', 'up_2', 'up_3']) h = this.block(up(h), seg, b);
      if (c.blocks.includes('up_4')) h = this.block(up(h), seg, 'up_4');
      return tf.tanh(this.conv(tf.leakyRelu(h, 0.2), 'conv_img')) as tf.Tensor4D;
    });
  }

  /** labels + z -> RGBA bytes (H*W*4), for an ImageData or a canvas. */
  async render(labels: Uint8Array, z: Float32Array): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
    const [H, W] = this.config.size;
    const out = this.forwardTensor(labels, z, 1);
    const rgb = await out.data();
    out.dispose();
    const rgba = new Uint8ClampedArray(H * W * 4);
    for (let i = 0; i < H * W; i++) {
      rgba[i * 4] = (rgb[i * 3] + 1) * 127.5;
      rgba[i * 4 + 1] = (rgb[i * 3 + 1] + 1) * 127.5;
      rgba[i * 4 + 2] = (rgb[i * 3 + 2] + 1) * 127.5;
      rgba[i * 4 + 3] = 255;
    }
    return { width: W, height: H, rgba };
  }

  dispose(): void {
    for (const t of Object.values(this.w)) t.dispose();
  }
}
