// QR codes (ISO/IEC 18004) for the invite links staff show on their screen
// for a customer's phone to scan. Byte mode only, UTF-8 text, versions 1–40,
// all four error correction levels; no dependencies.
//
// The steps follow the standard in order: choose the smallest version that
// holds the text, build the data codewords, add Reed–Solomon error correction
// per block and interleave the blocks, draw the function patterns, place the
// codewords in the zigzag order, then try all eight masks and keep the one
// with the lowest penalty, with its format (and version) information.
//
// No ECI header names the character set: phone readers take byte-mode text
// that is valid UTF-8 as UTF-8, and the header would cost 12 bits and
// confuse some older readers. Invite links are ASCII anyway.

const SVG_NS = 'http://www.w3.org/2000/svg';
const MIN_VERSION = 1;
const MAX_VERSION = 40;

// Per level: the two format bits (note the standard's order is M, L, H, Q
// for 00, 01, 10, 11), then, for versions 1–40, the error correction
// codewords in each block and the number of blocks (ISO/IEC 18004 Table 9).
const LEVELS = {
  L: {
    formatBits: 0b01,
    ecPerBlock: [
      7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
      28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    blocks: [
      1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
      8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
  },
  M: {
    formatBits: 0b00,
    ecPerBlock: [
      10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
      26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    blocks: [
      1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
      17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
  },
  Q: {
    formatBits: 0b11,
    ecPerBlock: [
      13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
      28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    blocks: [
      1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
      23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
  },
  H: {
    formatBits: 0b10,
    ecPerBlock: [
      17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
      30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    blocks: [
      1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
      25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
  },
};

// The standard's eight mask conditions (row i, column j): a data module is
// inverted where its mask's condition holds. Function patterns never are.
const MASKS = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

// ---- public API ----

/**
 * The modules of the QR code for `text` (UTF-8, byte mode) in the smallest
 * version that holds it at level `ecc` ('L', 'M', 'Q' or 'H').
 * Returns {version, size, modules}: `size` rows of `size` booleans, true for
 * dark. Throws an Error when the text does not fit in version 40.
 */
export function qrMatrix(text, { ecc = 'M' } = {}) {
  if (!Object.hasOwn(LEVELS, ecc)) {
    throw new Error(`QR error correction level must be L, M, Q or H, not ${ecc}`);
  }
  const bytes = new TextEncoder().encode(String(text));
  const version = smallestVersion(bytes.length, ecc);
  const codewords = addErrorCorrection(dataCodewords(bytes, version, ecc), version, ecc);

  const grid = functionPatterns(version);
  placeCodewords(grid, codewords);
  const best = bestMask(grid, ecc);
  const modules = [];
  for (let row = 0; row < grid.size; row++) {
    modules.push(Array.from(best.dark.subarray(row * grid.size, (row + 1) * grid.size), Boolean));
  }
  return { version, size: grid.size, modules };
}

/**
 * An <svg> of the QR code for `text`: a light background with a quiet zone
 * of `margin` modules and one path covering every dark module, role="img"
 * and aria-label `label`. Sized by the page's CSS (it has a viewBox and no
 * width); colours are attributes, not styles, so a Content-Security-Policy
 * without 'unsafe-inline' styles allows it. Throws as qrMatrix does.
 */
export function qrSvg(text, { ecc = 'M', margin = 4, label = 'QR code' } = {}) {
  const { size, modules } = qrMatrix(text, { ecc });
  const total = size + 2 * margin;
  const svg = svgElement('svg', {
    viewBox: `0 0 ${total} ${total}`,
    role: 'img',
    'aria-label': label,
    'shape-rendering': 'crispEdges',
  });
  // Fixed colours whatever the page's theme: scanners expect dark on light.
  svg.append(svgElement('rect', { width: total, height: total, fill: '#fff' }));
  svg.append(svgElement('path', { d: darkPath(modules, margin), fill: '#000' }));
  return svg;
}

// ---- SVG ----

function svgElement(tag, attrs) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

/** Path data with one rectangle per horizontal run of dark modules. */
function darkPath(modules, margin) {
  const parts = [];
  modules.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      const start = x;
      while (x + 1 < row.length && row[x + 1]) x++;
      const width = x - start + 1;
      parts.push(`M${start + margin} ${y + margin}h${width}v1h-${width}z`);
    }
  });
  return parts.join('');
}

// ---- capacity and data codewords ----

/** Bits of the character count in byte mode: 8 up to version 9, then 16. */
function countBits(version) {
  return version <= 9 ? 8 : 16;
}

/**
 * Codewords (data and error correction) a version holds: every module that
 * is not part of a function pattern, format or version information, in whole
 * bytes (the 0–7 bits left over are the remainder bits, left light).
 */
function totalCodewords(version) {
  const size = 4 * version + 17;
  let modules = size * size;
  modules -= 3 * 64; // three finder patterns with their separators
  modules -= 2 * (size - 16); // the two timing patterns between the separators
  modules -= 2 * 15 + 1; // two copies of the format information, the dark module
  if (version >= 2) {
    const perSide = Math.floor(version / 7) + 2;
    // Alignment patterns, less the three under the finders; those on the
    // timing patterns share 5 modules with them, counted above already.
    modules -= 25 * (perSide * perSide - 3) - 2 * 5 * (perSide - 2);
  }
  if (version >= 7) modules -= 2 * 18; // two copies of the version information
  return Math.floor(modules / 8);
}

function dataCapacity(version, ecc) {
  const level = LEVELS[ecc];
  return totalCodewords(version) - level.ecPerBlock[version - 1] * level.blocks[version - 1];
}

/**
 * Whether `length` bytes fit in this version: mode, count, then the bytes.
 * (Every version's capacity is below what its count field can hold.)
 */
function fits(length, version, ecc) {
  return 4 + countBits(version) + 8 * length <= 8 * dataCapacity(version, ecc);
}

function smallestVersion(length, ecc) {
  for (let version = MIN_VERSION; version <= MAX_VERSION; version++) {
    if (fits(length, version, ecc)) return version;
  }
  let most = 0;
  while (fits(most + 1, MAX_VERSION, ecc)) most++;
  throw new Error(
    `text too long for a QR code: ${length} bytes, ` +
      `at most ${most} at error correction level ${ecc}`,
  );
}

/** Appends bits MSB first to an array of 0/1. */
function pushBits(bits, value, count) {
  for (let i = count - 1; i >= 0; i--) bits.push((value >>> i) & 1);
}

/**
 * The data codewords: byte mode indicator, count, the bytes, a terminator of
 * up to four zero bits, zero bits to a whole byte, then the pad bytes 0xEC
 * and 0x11 in turn up to the capacity.
 */
function dataCodewords(bytes, version, ecc) {
  const capacity = dataCapacity(version, ecc);
  const bits = [];
  pushBits(bits, 0b0100, 4);
  pushBits(bits, bytes.length, countBits(version));
  for (const byte of bytes) pushBits(bits, byte, 8);
  pushBits(bits, 0, Math.min(4, capacity * 8 - bits.length));
  pushBits(bits, 0, (8 - (bits.length % 8)) % 8);

  const codewords = [];
  for (let i = 0; i < bits.length; i += 8) {
    codewords.push(bits.slice(i, i + 8).reduce((byte, bit) => (byte << 1) | bit, 0));
  }
  for (let i = 0; codewords.length < capacity; i++) codewords.push(i % 2 ? 0x11 : 0xec);
  return codewords;
}

// ---- Reed–Solomon over GF(256), polynomial x^8 + x^4 + x^3 + x^2 + 1 ----

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = EXP[i + 255] = x;
  LOG[x] = i;
  x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
}

function gfMul(a, b) {
  return a && b ? EXP[LOG[a] + LOG[b]] : 0;
}

/** (x - α^0)(x - α^1)…(x - α^(degree-1)), coefficients from the highest power. */
function rsGenerator(degree) {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array(poly.length + 1).fill(0);
    poly.forEach((coef, j) => {
      next[j] ^= coef;
      next[j + 1] ^= gfMul(coef, EXP[i]);
    });
    poly = next;
  }
  return poly;
}

/** The error correction codewords: data·x^degree mod the generator. */
function rsRemainder(data, generator) {
  const degree = generator.length - 1;
  const rem = new Array(degree).fill(0);
  for (const byte of data) {
    const factor = byte ^ rem.shift();
    rem.push(0);
    for (let j = 0; j < degree; j++) rem[j] ^= gfMul(generator[j + 1], factor);
  }
  return rem;
}

/**
 * Splits the data into the version's blocks, adds each block's error
 * correction, and interleaves: the first data codeword of every block, then
 * the second, and so on, then the error correction codewords the same way.
 * When the codewords do not divide evenly, the later blocks hold one more
 * data codeword; the short blocks are skipped for that last column.
 * Interleaving spreads a smudge or glare spot over many blocks, each of
 * which can correct only a few errors.
 */
function addErrorCorrection(data, version, ecc) {
  const count = LEVELS[ecc].blocks[version - 1];
  const ecLength = LEVELS[ecc].ecPerBlock[version - 1];
  const total = totalCodewords(version);
  const shortBlocks = count - (total % count);
  const shortData = Math.floor(total / count) - ecLength;
  const generator = rsGenerator(ecLength);

  const blocks = [];
  for (let b = 0, offset = 0; b < count; b++) {
    const length = shortData + (b < shortBlocks ? 0 : 1);
    const block = data.slice(offset, offset + length);
    offset += length;
    blocks.push({ data: block, ec: rsRemainder(block, generator) });
  }

  const out = [];
  for (let i = 0; i <= shortData; i++) {
    for (const block of blocks) if (i < block.data.length) out.push(block.data[i]);
  }
  for (let i = 0; i < ecLength; i++) for (const block of blocks) out.push(block.ec[i]);
  return out;
}

// ---- the grid and its function patterns ----

/**
 * A version's grid with its function patterns drawn: `dark` holds the
 * colours, `reserved` marks modules that are not for data (function patterns,
 * and the format and version information, whose areas are reserved here and
 * filled in once the mask is chosen).
 */
function functionPatterns(version) {
  const size = 4 * version + 17;
  const grid = {
    version,
    size,
    dark: new Uint8Array(size * size),
    reserved: new Uint8Array(size * size),
  };
  // Timing first: finders and alignment patterns then overwrite its ends and
  // crossings, with the same colours where they meet.
  for (let i = 0; i < size; i++) {
    setFunction(grid, 6, i, i % 2 === 0);
    setFunction(grid, i, 6, i % 2 === 0);
  }
  drawFinder(grid, 3, 3);
  drawFinder(grid, 3, size - 4);
  drawFinder(grid, size - 4, 3);
  drawAlignments(grid);
  drawFormat(grid, 0); // reserves the areas; redrawn for each mask
  setFunction(grid, size - 8, 8, true); // the dark module, always there
  if (version >= 7) drawVersion(grid);
  return grid;
}

function setFunction(grid, row, col, dark) {
  const index = row * grid.size + col;
  grid.dark[index] = dark ? 1 : 0;
  grid.reserved[index] = 1;
}

/** A 7×7 finder pattern centred on (row, col), with its light separator. */
function drawFinder(grid, row, col) {
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -4; dx <= 4; dx++) {
      const r = row + dy;
      const c = col + dx;
      if (r < 0 || c < 0 || r >= grid.size || c >= grid.size) continue;
      const ring = Math.max(Math.abs(dy), Math.abs(dx));
      setFunction(grid, r, c, ring !== 2 && ring !== 4);
    }
  }
}

/**
 * Centres of the alignment patterns along one axis: 6, the far side
 * (size - 7), and evenly spaced ones between, at an even step. The standard's
 * table puts the uneven remainder in the first gap, and version 32 uses a step
 * of 26 where this rule would give 28.
 */
function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const last = 4 * version + 10;
  const step = version === 32 ? 26 : 2 * Math.ceil((last - 6) / (2 * (count - 1)));
  const positions = [6];
  for (let i = count - 2; i >= 0; i--) positions.push(last - i * step);
  return positions;
}

/** Alignment patterns at every pair of positions but the finders' corners. */
function drawAlignments(grid) {
  const positions = alignmentPositions(grid.version);
  const last = positions.length - 1;
  positions.forEach((row, i) => {
    positions.forEach((col, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          setFunction(grid, row + dy, col + dx, Math.max(Math.abs(dy), Math.abs(dx)) !== 1);
        }
      }
    });
  });
}

/** `value` shifted up by `degree` bits plus its remainder modulo `generator` (BCH code). */
function bchCode(value, generator, degree) {
  let rem = value << degree;
  for (let bit = 31 - Math.clz32(rem); bit >= degree; bit--) {
    if ((rem >>> bit) & 1) rem ^= generator << (bit - degree);
  }
  return (value << degree) | rem;
}

/**
 * The 15 format bits (level, mask, BCH(15,5), XOR 0x5412 so that they are
 * never all light), twice: around the top-left finder, and split between the
 * other two. Bit 14 is the most significant.
 */
function drawFormat(grid, mask, levelBits = 0) {
  const bits = bchCode((levelBits << 3) | mask, 0x537, 10) ^ 0x5412;
  const size = grid.size;
  const bit = (i) => (bits >>> i) & 1;
  // Top left: bits 0–7 down column 8 from the top edge (skipping the timing
  // row), bits 8–14 leftward along row 8 (skipping the timing column).
  for (let i = 0; i <= 5; i++) setFunction(grid, i, 8, bit(i));
  setFunction(grid, 7, 8, bit(6));
  setFunction(grid, 8, 8, bit(7));
  setFunction(grid, 8, 7, bit(8));
  for (let i = 9; i < 15; i++) setFunction(grid, 8, 14 - i, bit(i));
  // The copy: bits 0–7 leftward along row 8 from the right edge, bits 8–14
  // down column 8 to the bottom edge.
  for (let i = 0; i < 8; i++) setFunction(grid, 8, size - 1 - i, bit(i));
  for (let i = 8; i < 15; i++) setFunction(grid, size - 15 + i, 8, bit(i));
}

/**
 * From version 7: the version number and its BCH(18,6) code, in a 6×3 block
 * above the bottom-left finder and its transpose left of the top-right one,
 * least significant bit first.
 */
function drawVersion(grid) {
  const bits = bchCode(grid.version, 0x1f25, 12);
  for (let i = 0; i < 18; i++) {
    const near = Math.floor(i / 3);
    const far = grid.size - 11 + (i % 3);
    setFunction(grid, far, near, (bits >>> i) & 1);
    setFunction(grid, near, far, (bits >>> i) & 1);
  }
}

// ---- data placement ----

/**
 * Places the codewords, most significant bit first, in the standard's
 * zigzag: two-module-wide columns from the right edge leftwards, going up the
 * first, down the next, and so on; in each row the right module before the
 * left; skipping function modules. The vertical timing pattern (column 6) is
 * jumped over whole, so the columns left of it pair up as 5–4, 3–2, 1–0.
 * Modules left over (the remainder bits) stay light.
 */
function placeCodewords(grid, codewords) {
  const size = grid.size;
  let bitIndex = 0;
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let step = 0; step < size; step++) {
      const row = upward ? size - 1 - step : step;
      for (const col of [right, right - 1]) {
        const index = row * size + col;
        if (grid.reserved[index]) continue;
        const byte = codewords[bitIndex >> 3] ?? 0;
        grid.dark[index] = (byte >>> (7 - (bitIndex & 7))) & 1;
        bitIndex++;
      }
    }
    upward = !upward;
  }
  if (bitIndex >> 3 !== codewords.length) {
    throw new Error(`QR placement bug: ${bitIndex} bits for ${codewords.length} codewords`);
  }
}

// ---- masks ----

/**
 * Tries the eight masks on the data modules, each with its format
 * information, and returns the grid with the lowest penalty (the
 * lowest-numbered mask on a tie, so the choice is deterministic).
 */
function bestMask(grid, ecc) {
  let best = null;
  let bestScore = Infinity;
  MASKS.forEach((condition, mask) => {
    const candidate = { ...grid, dark: grid.dark.slice(), reserved: grid.reserved.slice() };
    for (let row = 0; row < grid.size; row++) {
      for (let col = 0; col < grid.size; col++) {
        const index = row * grid.size + col;
        if (!grid.reserved[index] && condition(row, col)) candidate.dark[index] ^= 1;
      }
    }
    drawFormat(candidate, mask, LEVELS[ecc].formatBits);
    const score = penalty(candidate.dark, grid.size);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  });
  return best;
}

/**
 * The standard's four penalty rules, summed; each scores something that
 * makes a symbol harder to read:
 *  1. runs of five or more modules of one colour in a row or column
 *     (3 points, plus 1 for each module beyond five): they upset the
 *     reader's estimate of the module size;
 *  2. 2×2 blocks of one colour (3 points each), the same in two dimensions;
 *  3. dark-light-dark×3-light-dark (the 1:1:3:1:1 finder ratio) with four
 *     light modules on either side, in a row or column (40 points each): a
 *     reader could take it for a finder pattern. Outside the symbol counts as
 *     light, since the quiet zone is;
 *  4. dark modules far from half of all: 10 points for each full 5% away.
 */
function penalty(dark, size) {
  const columns = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) columns[c * size + r] = dark[r * size + c];
  }
  let score = 0;
  for (let i = 0; i < size * size; i += size) {
    for (const line of [dark.subarray(i, i + size), columns.subarray(i, i + size)]) {
      score += runPenalty(line) + finderPenalty(line);
    }
  }
  return score + blockPenalty(dark, size) + balancePenalty(dark);
}

/** Rule 1 on one line. */
function runPenalty(line) {
  let score = 0;
  let run = 1;
  for (let i = 1; i <= line.length; i++) {
    if (i < line.length && line[i] === line[i - 1]) {
      run++;
      continue;
    }
    if (run >= 5) score += 3 + (run - 5);
    run = 1;
  }
  return score;
}

const FINDER_LIKE = [1, 0, 1, 1, 1, 0, 1];

/** Rule 3 on one line. */
function finderPenalty(line) {
  let score = 0;
  for (let i = 0; i + FINDER_LIKE.length <= line.length; i++) {
    let k = 0;
    while (k < FINDER_LIKE.length && line[i + k] === FINDER_LIKE[k]) k++;
    if (k < FINDER_LIKE.length) continue;
    if (isLight(line, i - 4, i) || isLight(line, i + 7, i + 11)) score += 40;
  }
  return score;
}

/** Whether line[from..to) is all light; modules outside the line count as light. */
function isLight(line, from, to) {
  for (let i = Math.max(from, 0); i < Math.min(to, line.length); i++) if (line[i]) return false;
  return true;
}

/** Rule 2. */
function blockPenalty(dark, size) {
  let score = 0;
  for (let r = 0; r + 1 < size; r++) {
    for (let c = 0; c + 1 < size; c++) {
      const i = r * size + c;
      const v = dark[i];
      if (v === dark[i + 1] && v === dark[i + size] && v === dark[i + size + 1]) score += 3;
    }
  }
  return score;
}

/** Rule 4: 45–55% dark scores 0, 40–60% 10, and so on. */
function balancePenalty(dark) {
  let darkCount = 0;
  for (let i = 0; i < dark.length; i++) darkCount += dark[i];
  return 10 * Math.floor(Math.abs(20 * darkCount - 10 * dark.length) / dark.length);
}
