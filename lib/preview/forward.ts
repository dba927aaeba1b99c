// Preview SPADE generator forward pass built from @tensorflow/tfjs ops (no DOM, no Node APIs):
// works with any registered backend (wasm / webgl / webgpu in the browser, cpu in Node tests).
//
// Weights: models/landscape-preview/tfjs/model.json, tfjs's own weights-manifest format with
// uint8-quantised tensors, written by models/export/tfjs_export.py. Conv weights are stored
// [kh,kw,in,out] (NHWC convs), the fc weight [in,out], BatchNorm folded to scale/shift.
//
// The stored weights mirror the PyTorch modules; at load time they are refolded for speed
// (same function up to float rounding):
// - each normalisation's BatchNorm scale/shift and the `1 +` of `1 + gamma` go into its
//   gamma/beta weights, so a SPADE/CLADE layer is x * gamma' + beta' (see foldNorm);
// - biases and the ReLU go into fused convs; the label map at each resolution is made once.
// Concatenating convs (all mlp_shared of a block, gamma with beta) was measured slower on wasm:
// splitting the result along channels copies, and costs more than the saved kernel calls.
import * as tf from '@tensorflow/tfjs';
import { sameBytes } from '../bytes';

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
  /**
   * 'spade' (default): gamma/beta from 3x3 convs over the label map (mlp_shared -> mlp_gamma /
   * mlp_beta). 'clade': gamma/beta looked up per class ([labelNc, C] tables `gamma`, `beta`),
   * models/spade/clade.py.
   */
  norm?: 'spade' | 'clade';
}

export interface PreviewModelJson {
  format: string;
  config: PreviewConfig;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Fetches one weights file named in the manifest (relative path) as bytes. */
export type WeightLoader = (path: string) => Promise<ArrayBuffer>;

interface Conv {
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
}

/** A SPADE/CLADE layer folded to x * gamma' + beta' (see foldNorm). */
type Norm =
  /** SPADE: gamma', beta' are convs over relu(mlp_shared(label map)). */
  | { kind: 'spade'; shared: Conv; gamma: Conv; beta: Conv }
  /** CLADE: gamma', beta' are per-class tables, stored as 1x1 convs [1,1,labelNc,C] over the
   * one-hot map (the lookup as a matmul: tf.gather was 10x slower on wasm). */
  | { kind: 'clade'; gamma: Conv; beta: Conv };

interface Block {
  norm0: Norm;
  norm1: Norm;
  normS?: Norm;
  conv0: Conv;
  conv1: Conv;
  convS?: Conv;
}

export class PreviewGenerator {
  readonly config: PreviewConfig;
  private readonly fc: { weight: tf.Tensor2D; bias: tf.Tensor1D };
  private readonly blocks: Map<string, Block>;
  private readonly convImg: Conv;

  private constructor(config: PreviewConfig, fc: { weight: tf.Tensor2D; bias: tf.Tensor1D }, blocks: Map<string, Block>, convImg: Conv) {
    this.config = config;
    this.fc = fc;
    this.blocks = blocks;
    this.convImg = convImg;
  }

  /** Decode the (uint8-quantised) weights listed in the manifest into tensors, then fold them. */
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
    try {
      return PreviewGenerator.fold(json.config, all);
    } finally {
      tf.dispose(all);
    }
  }

  private static fold(config: PreviewConfig, w: tf.NamedTensorMap): PreviewGenerator {
    const t = <T extends tf.Tensor>(name: string): T => {
      const v = w[name];
      if (!v) throw new Error(`preview weights: missing ${name}`);
      return v as T;
    };
    const conv = (name: string, bias = true): Conv => ({
      filter: tf.keep(t<tf.Tensor4D>(`${name}.weight`).clone()),
      ...(bias ? { bias: tf.keep(t<tf.Tensor1D>(`${name}.bias`).clone()) } : {}),
    });
    const norm = (p: string): Norm => {
      const s = t<tf.Tensor1D>(`${p}.scale`);
      const sh = t<tf.Tensor1D>(`${p}.shift`);
      if (config.norm === 'clade') {
        const f = foldNorm(s, sh, t(`${p}.gamma`), t(`${p}.beta`));
        const asConv = (table: tf.Tensor): Conv => ({
          filter: tf.keep(tf.reshape(table, [1, 1, ...table.shape] as [number, number, number, number])),
        });
        return { kind: 'clade', gamma: asConv(f.gamma), beta: asConv(f.beta) };
      }
      const f = foldNorm(
        s,
        sh,
        t(`${p}.mlp_gamma.weight`),
        t(`${p}.mlp_beta.weight`),
        t<tf.Tensor1D>(`${p}.mlp_gamma.bias`),
        t<tf.Tensor1D>(`${p}.mlp_beta.bias`),
      );
      return {
        kind: 'spade',
        shared: conv(`${p}.mlp_shared.0`),
        gamma: { filter: tf.keep(f.gamma as tf.Tensor4D), bias: tf.keep(f.gammaBias!) },
        beta: { filter: tf.keep(f.beta as tf.Tensor4D), bias: tf.keep(f.betaBias!) },
      };
    };
    const blocks = new Map<string, Block>();
    tf.tidy(() => {
      for (const b of config.blocks) {
        const learned = config.learnedShortcut[b];
        blocks.set(b, {
          norm0: norm(`${b}.norm_0`),
          norm1: norm(`${b}.norm_1`),
          conv0: conv(`${b}.conv_0`),
          conv1: conv(`${b}.conv_1`),
          ...(learned ? { normS: norm(`${b}.norm_s`), convS: conv(`${b}.conv_s`, false) } : {}),
        });
      }
    });
    const fc = { weight: tf.keep(t<tf.Tensor2D>('fc.weight').clone()), bias: tf.keep(t<tf.Tensor1D>('fc.bias').clone()) };
    return new PreviewGenerator(config, fc, blocks, conv('conv_img'));
  }

  private norm(x: tf.Tensor4D, seg: SegCache, n: Norm): tf.Tensor4D {
    const [, h, w] = x.shape;
    const oneHot = seg.oneHot(h, w);
    if (n.kind === 'clade') return tf.add(tf.mul(x, conv(oneHot, n.gamma)), conv(oneHot, n.beta));
    const actv = tf.fused.conv2d({ x: oneHot, filter: n.shared.filter, bias: n.shared.bias, strides: 1, pad: 'same', activation: 'relu' });
    return tf.add(tf.mul(x, conv(actv, n.gamma)), conv(actv, n.beta));
  }

  private block(x: tf.Tensor4D, seg: SegCache, name: string): tf.Tensor4D {
    const blk = this.blocks.get(name)!;
    const xs = blk.normS && blk.convS ? conv(this.norm(x, seg, blk.normS), blk.convS) : x;
    let dx = conv(tf.leakyRelu(this.norm(x, seg, blk.norm0), 0.2), blk.conv0);
    dx = conv(tf.leakyRelu(this.norm(dx, seg, blk.norm1), 0.2), blk.conv1);
    return tf.add(xs, dx);
  }

  /**
   * labels: label ids, row-major [n, H, W] (H, W = config.size); z: [n, zDim].
   * Returns NHWC float image in [-1, 1]. Caller disposes the result.
   * With a cache (n = 1 only), blocks whose inputs equal the last render's are taken from it.
   */
  forwardTensor(labels: Uint8Array, z: Float32Array, n = 1, cache?: BlockCache): tf.Tensor4D {
    const c = this.config;
    const [H, W] = c.size;
    if (labels.length !== n * H * W) throw new Error(`labels: expected ${n * H * W} values`);
    if (z.length !== n * c.zDim) throw new Error(`z: expected ${n * c.zDim} values`);
    if (cache && n !== 1) throw new Error('a block cache holds one picture: n must be 1');
    return tf.tidy(() => {
      const seg = new SegCache(labels, [n, H, W], c.labelNc);
      // a block's output is a function of its input and the label map at its resolution: while
      // z and every map so far equal the cached ones, the cached output is the one it would give
      let reusing = cache?.sameZ(z) ?? false;
      if (cache && !reusing) cache.reset(z);
      let h: tf.Tensor4D | null = null;
      let [rh, rw] = [c.sh, c.sw];
      // skip the first upsamplings when the configured size is below numUp doublings
      let skip = c.numUp - Math.round(Math.log2(H / c.sh));
      const blocks = ['head_0', 'G_middle_0', 'G_middle_1', 'up_0', 'up_1', 'up_2', 'up_3', 'up_4'].filter((b) => c.blocks.includes(b));
      for (const [i, name] of blocks.entries()) {
        let up = false;
        if (UPSAMPLED.has(name)) {
          up = skip <= 0;
          skip -= 1;
        }
        if (up) [rh, rw] = [rh * 2, rw * 2];
        const key = seg.labelsAt(rh, rw);
        const kept = cache?.at(i);
        if (reusing && kept && sameBytes(kept.labels, key)) {
          h = kept.out;
          continue;
        }
        if (reusing) cache?.dropFrom(i); // what follows was made from another input
        reusing = false;
        // PyTorch view(N, 16ngf, sh, sw) is channel-major: reshape NCHW then go NHWC
        h ??= tf.transpose(
          tf.reshape(tf.add(tf.matMul(tf.tensor2d(z, [n, c.zDim]), this.fc.weight), this.fc.bias), [n, 16 * c.ngf, c.sh, c.sw]),
          [0, 2, 3, 1],
        ) as tf.Tensor4D;
        if (up) h = tf.image.resizeNearestNeighbor(h, [rh, rw]);
        h = this.block(h, seg, name);
        cache?.put(i, key, h);
      }
      return tf.tanh(conv(tf.leakyRelu(h!, 0.2), this.convImg)) as tf.Tensor4D;
    });
  }

  /** labels + z -> RGBA bytes (H*W*4), for an ImageData or a canvas. */
  async render(
    labels: Uint8Array,
    z: Float32Array,
    cache?: BlockCache,
  ): Promise<{ width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> }> {
    const [H, W] = this.config.size;
    const out = this.forwardTensor(labels, z, 1, cache);
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
    const convs = (c: Conv | undefined): tf.Tensor[] => (c ? [c.filter, ...(c.bias ? [c.bias] : [])] : []);
    const norms = (n: Norm | undefined): tf.Tensor[] =>
      !n ? [] : [n.kind === 'spade' ? n.shared : undefined, n.gamma, n.beta].flatMap(convs);
    tf.dispose([this.fc.weight, this.fc.bias, ...convs(this.convImg)]);
    for (const b of this.blocks.values()) {
      tf.dispose([b.norm0, b.norm1, b.normS].flatMap(norms));
      tf.dispose([b.conv0, b.conv1, b.convS].flatMap(convs));
    }
  }
}

/** The blocks that start with a 2x upsampling (unless skipped for a smaller size). */
const UPSAMPLED = new Set(['G_middle_0', 'up_0', 'up_1', 'up_2', 'up_3', 'up_4']);

/** 'same' 3x3 (or 1x1) conv with its bias fused in. */
function conv(x: tf.Tensor4D, c: Conv): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: c.filter, bias: c.bias, strides: 1, pad: 'same' });
}

/**
 * normalised * (1 + gamma) + beta with normalised = x * s + t (BatchNorm at inference) equals
 * x * gamma' + beta' with gamma' = s (1 + gamma), beta' = t (1 + gamma) + beta. gamma and beta
 * are linear in the label features (conv weights [kh,kw,in,C] or per-class tables [L,C], both
 * with C last), so the fold is on the weights: once, at load time.
 */
function foldNorm(s: tf.Tensor1D, t: tf.Tensor1D, gw: tf.Tensor, bw: tf.Tensor, gb?: tf.Tensor1D, bb?: tf.Tensor1D) {
  // a CLADE table row is the whole gamma of its class (no separate bias): fold the 1 into it
  const gamma = gb ? tf.mul(gw, s) : tf.mul(tf.add(gw, 1), s);
  const beta = gb ? tf.add(tf.mul(gw, t), bw) : tf.add(tf.mul(tf.add(gw, 1), t), bw);
  return {
    gamma,
    beta,
    gammaBias: gb && (tf.mul(tf.add(gb, 1), s) as tf.Tensor1D),
    betaBias: gb && bb && (tf.add(tf.mul(tf.add(gb, 1), t), bb) as tf.Tensor1D),
  };
}

/**
 * The last render's block outputs, with the label map each block saw and the z they were made
 * from. A stroke seldom changes the 2x2..8x8 maps (nearest samples every 32nd..8th pixel), so
 * the coarse blocks of the next picture usually come from here. Holds tensors: dispose() it.
 */
export class BlockCache {
  private z: Float32Array | null = null;
  private readonly steps: Array<{ labels: Uint8Array; out: tf.Tensor4D }> = [];

  sameZ(z: Float32Array): boolean {
    return this.z !== null && this.z.length === z.length && this.z.every((v, i) => v === z[i]);
  }

  reset(z: Float32Array): void {
    this.dispose();
    this.z = z.slice();
  }

  at(i: number): { labels: Uint8Array; out: tf.Tensor4D } | undefined {
    return this.steps[i];
  }

  /** Forgets steps i.. (made from an input that is about to change). */
  dropFrom(i: number): void {
    for (const s of this.steps.splice(i)) s.out.dispose();
  }

  /** Records step i (steps are put in order after dropFrom or reset); copies the label bytes. */
  put(i: number, labels: Uint8Array, out: tf.Tensor4D): void {
    this.steps[i] = { labels: labels.slice(), out: tf.keep(out) };
  }

  dispose(): void {
    this.dropFrom(0);
    this.z = null;
  }
}

/** The label map at each resolution a block needs (bytes and one-hot), made once per forward pass. */
class SegCache {
  private readonly ids = new Map<number, Uint8Array>();
  private readonly hot = new Map<number, tf.Tensor4D>();

  constructor(
    private readonly labels: Uint8Array,
    private readonly shape: [number, number, number],
    private readonly labelNc: number,
  ) {}

  /**
   * [n,h,w] label ids. Nearest downsampling by an integer factor picks rows/cols 0, f, 2f.. (=
   * PyTorch F.interpolate(mode='nearest'), floor(i * in/out)).
   */
  labelsAt(h: number, w: number): Uint8Array {
    let v = this.ids.get(h);
    if (!v) {
      const [n, H, W] = this.shape;
      if (h === H && w === W) v = this.labels;
      else {
        const fy = H / h;
        const fx = W / w;
        v = new Uint8Array(n * h * w);
        for (let b = 0, o = 0; b < n; b++) {
          for (let y = 0; y < h; y++) {
            const row = b * H * W + y * fy * W;
            for (let x = 0; x < w; x++) v[o++] = this.labels[row + x * fx];
          }
        }
      }
      this.ids.set(h, v);
    }
    return v;
  }

  /** [n,h,w,labelNc] one-hot, built on the bytes (one upload instead of three tfjs ops per resolution). */
  oneHot(h: number, w: number): tf.Tensor4D {
    let v = this.hot.get(h);
    if (!v) {
      const ids = this.labelsAt(h, w);
      const L = this.labelNc;
      const out = new Float32Array(ids.length * L);
      for (let i = 0; i < ids.length; i++) if (ids[i] < L) out[i * L + ids[i]] = 1; // out of range: an all-zero row, as tf.oneHot gives
      v = tf.tensor4d(out, [this.shape[0], h, w, L]);
      this.hot.set(h, v);
    }
    return v;
  }
}
