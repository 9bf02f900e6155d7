/**
 * A notebook corpus for search tests: a dozen entries on distinct experiments,
 * near misses that share one term with them, and 200 routine entries built
 * from a seeded generator, so every run writes the same text.
 */

export interface CorpusEntry {
  readonly key: string;
  readonly title: string;
  readonly body: string;
  readonly tags: string[];
  readonly metadata: Record<string, unknown>;
}

/** A query and the entry that must rank in its top 3. */
export interface KnownAnswer {
  readonly query: string;
  readonly expected: string;
}

export const targetEntries: readonly CorpusEntry[] = [
  {
    key: 'lysozyme',
    title: 'Lysozyme crystallisation by hanging drop',
    body: 'Set up hanging drop vapour diffusion trays with hen egg-white lysozyme at 50 mg/ml. Crystals appeared after two days at 18 °C in 1 M sodium chloride, 50 mM acetate pH 4.5.',
    tags: ['crystallography'],
    metadata: { instrument: 'microscope', project: 'lysozyme', run: { day: 2 } },
  },
  {
    key: 'caffeine',
    title: 'HPLC calibration for caffeine',
    body: 'Ran a five-point calibration curve of caffeine standards on the C18 column. Retention time 3.2 minutes, R² 0.999, mobile phase 30 % methanol.',
    tags: ['hplc', 'calibration'],
    metadata: { instrument: 'hplc', project: 'beverages', run: { day: 1 } },
  },
  {
    key: 'western',
    title: 'Western blot of phosphorylated ERK',
    body: 'Transferred proteins to a PVDF membrane overnight at 30 V. Probed with anti-phospho-ERK antibody; strong band at 42 kDa after stimulation.',
    tags: ['protein'],
    metadata: { instrument: 'blot-imager', project: 'signalling', run: { day: 4 } },
  },
  {
    key: 'qpcr',
    title: 'qPCR primer efficiency for GAPDH',
    body: 'Tested GAPDH primers on a cDNA dilution series. Amplification efficiency 98 %, single melt curve peak, no signal in the no-template control.',
    tags: ['pcr'],
    metadata: { instrument: 'thermocycler', project: 'signalling', run: { day: 3 } },
  },
  {
    key: 'agarose',
    title: 'Agarose gel of a plasmid digest',
    body: 'Digested pUC19 with EcoRI and HindIII and ran a 1 % agarose gel at 100 V. Bands at 2.6 kb and 50 bp as expected.',
    tags: ['dna'],
    metadata: { instrument: 'gel-box', project: 'cloning', run: { day: 3 } },
  },
  {
    key: 'growth',
    title: 'Growth curve of E. coli in LB',
    body: 'Measured OD600 every thirty minutes. The culture entered stationary phase after eight hours in LB medium at 37 °C.',
    tags: ['microbiology'],
    metadata: { instrument: 'spectrophotometer', project: 'cloning', run: { day: 5 } },
  },
  {
    key: 'nmr',
    title: 'Proton NMR of ethyl acetate',
    body: 'Recorded the proton spectrum in deuterated chloroform: quartet at 4.1 ppm, singlet at 2.0 ppm, triplet at 1.2 ppm.',
    tags: ['spectroscopy'],
    metadata: { instrument: 'nmr', project: 'teaching', run: { day: 1 } },
  },
  {
    key: 'titration',
    title: 'Titration of vinegar',
    body: 'Titrated vinegar with 0.1 M NaOH using phenolphthalein as indicator. The endpoint at 24.6 ml gives 4.4 % acetic acid.',
    tags: ['teaching'],
    metadata: { project: 'teaching', reagents: ['NaOH', 'phenolphthalein'], run: { day: 2 } },
  },
  {
    key: 'viability',
    title: 'MTT viability assay with cisplatin',
    body: 'Treated HeLa cells with cisplatin for 48 hours. MTT absorbance at 570 nm gave an IC50 near 12 µM.',
    tags: ['cell-culture'],
    metadata: { instrument: 'plate-reader', project: 'oncology', run: { day: 6 } },
  },
  {
    key: 'peptides',
    title: 'MALDI-TOF of tryptic peptides',
    body: 'Digested bovine serum albumin with trypsin and analysed the peptides by MALDI-TOF. Sequence coverage 62 %.',
    tags: ['protein', 'mass-spec'],
    metadata: { instrument: 'maldi', project: 'proteomics', run: { day: 4 } },
  },
  {
    key: 'freezer',
    title: 'Freezer inventory',
    body: 'Counted the boxes in the minus eighty freezer, relabelled the antibody aliquots and discarded expired competent cells.',
    tags: ['housekeeping'],
    metadata: { location: { building: 'north', room: 214 }, run: { day: 7 } },
  },
  {
    key: 'lamp',
    title: 'Spectrophotometer baseline drift',
    body: 'The UV-Vis baseline drifted by 0.02 absorbance units per hour, so we replaced the deuterium lamp and recalibrated.',
    tags: ['instrument'],
    metadata: { instrument: 'spectrophotometer', project: 'maintenance', run: { day: 7 } },
  },
];

/** Entries that share one distinctive term with a target, so ranking has to weigh the rest. */
export const nearMisses: readonly CorpusEntry[] = [
  ['pH meter calibration', 'Calibrated the pH meter with buffers at pH 4, 7 and 10 before use.'],
  [
    'SDS-PAGE gel casting',
    'Cast two 12 % polyacrylamide gels; the stacking gel set in twenty minutes.',
  ],
  ['Primer order', 'Ordered new primers for the cloning project; delivery expected next week.'],
  [
    'Freezer alarm',
    'The cold room freezer alarm went off at night; temperature recovered by morning.',
  ],
  ['Crystal violet staining', 'Stained biofilm plates with crystal violet and washed three times.'],
  ['Membrane filtration', 'Filtered the buffer through a 0.22 µm membrane before autoclaving.'],
  ['Acetate buffer stock', 'Prepared one litre of 1 M sodium acetate stock and adjusted the pH.'],
  ['Lamp hours log', 'Logged the operating hours of the fluorescence microscope lamp.'],
  ['HeLa passage', 'Passaged HeLa cells at 80 % confluence into three new flasks.'],
  ['Trypsin aliquots', 'Split the trypsin stock into single-use aliquots stored at minus twenty.'],
].map(([title, body], index) => ({
  key: `near-${index}`,
  title: title!,
  body: body!,
  tags: ['routine'],
  metadata: { project: 'general', run: { day: (index % 7) + 1 } },
}));

const fillerWords = [
  'sample',
  'buffer',
  'measured',
  'prepared',
  'solution',
  'protocol',
  'incubated',
  'washed',
  'centrifuged',
  'stored',
  'reagent',
  'temperature',
  'control',
  'replicate',
  'dilution',
  'pipette',
  'analysis',
  'results',
  'observed',
  'batch',
  'labelled',
  'weighed',
  'mixed',
  'filtered',
  'recorded',
  'cleaned',
  'checked',
  'bench',
  'shelf',
  'order',
  'delivery',
  'meeting',
  'plan',
  'schedule',
  'training',
  'safety',
  'waste',
  'glassware',
  'balance',
  'notes',
];
const fillerTags = ['routine', 'prep', 'cleanup', 'admin'];
const fillerProjects = ['alpha', 'beta', 'gamma'];

/** Mulberry32: a small seeded generator, so the corpus is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds `count` routine entries from the filler vocabulary. */
export function fillerEntries(count: number, seed = 7): CorpusEntry[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  return Array.from({ length: count }, (_, index) => {
    const words = Array.from({ length: 25 + Math.floor(random() * 30) }, () => pick(fillerWords));
    return {
      key: `filler-${index}`,
      title: `Routine notes ${index}: ${pick(fillerWords)} and ${pick(fillerWords)}`,
      body: `${words.join(' ')}.`,
      tags: [pick(fillerTags)],
      metadata: { project: pick(fillerProjects), run: { day: (index % 7) + 1 } },
    };
  });
}

/** Queries with a known best match: the `expected` entry must rank in the top 3. */
export const knownAnswers: readonly KnownAnswer[] = [
  { query: 'lysozyme crystals hanging drop', expected: 'lysozyme' },
  { query: 'caffeine calibration curve', expected: 'caffeine' },
  { query: 'phospho ERK western blot membrane', expected: 'western' },
  { query: 'GAPDH primer efficiency', expected: 'qpcr' },
  { query: 'plasmid digest on an agarose gel', expected: 'agarose' },
  { query: 'E. coli growth OD600', expected: 'growth' },
  { query: 'ethyl acetate NMR spectrum', expected: 'nmr' },
  { query: 'vinegar titration NaOH endpoint', expected: 'titration' },
  { query: 'cisplatin toxicity in HeLa cells', expected: 'viability' },
  { query: 'tryptic peptides MALDI', expected: 'peptides' },
  { query: 'freezer inventory of aliquots', expected: 'freezer' },
  { query: 'deuterium lamp drift', expected: 'lamp' },
];

/**
 * A query with misspellings that share no lexeme with any entry, so full text
 * finds nothing, while character trigrams still point at the lysozyme entry.
 */
export const misspelledQuery: KnownAnswer = {
  query: 'lysosyme cristallisation',
  expected: 'lysozyme',
};
