// Finding a place by a name typed in either script. The seat names in data/ are English renderings ("Varanasi",
// "Lucknow", "Mumbai North"); a Hindi reader types them in Devanagari ("वाराणसी", "लखनऊ", "मुंबई उत्तर"), and the
// two spellings never agree letter for letter. So both sides are brought to one rough sound key and compared with a
// tolerant distance:
//   1. Devanagari is romanised with Sanscript (ITRANS scheme), after folding the letters Sanscript does not know
//      (nukta letters, candra vowels, chandrabindu).
//   2. Direction and common words are put into one language ("North" → "uttar", so "मुंबई उत्तर" meets "Mumbai
//      North"), and renamed cities get their new names as alternatives ("Allahabad" is also "Prayagraj").
//   3. The key keeps consonants only, folds aspirates (kh → k), sibilants (sh → s), nasals (m/n: the anusvara is
//      either), English spellings (ck, c, z, w, q, x) and doubled letters: "Lucknow" and "लखनऊ" are both "lkn".
//   4. Keys are compared by an edit distance in which the weak letters v, y and h cost half ("Goa"/"गोवा",
//      "Ghaziabad"/"गाज़ियाबाद"); a query may also be the start of a name.
import sanscriptModule from "@indic-transliteration/sanscript";

// The package's types declare an ES default export, but it is CommonJS and module.exports is Sanscript itself,
// which is what Node hands a default import.
const Sanscript = sanscriptModule as unknown as typeof sanscriptModule.default;

const DEVANAGARI = /[\u0900-\u097F]/;

/**
 * English words that Hindi translates rather than transliterates, each with the Hindi words it may be typed as
 * (romanised). Keys and values go through the same key function, so "uttari" (उत्तरी) matches "uttar" too.
 */
const WORD_FORMS: Readonly<Record<string, readonly string[]>> = {
  north: ["uttar"],
  south: ["dakshin"],
  east: ["purv"],
  purba: ["purv"],
  west: ["pashchim"],
  paschim: ["pashchim"],
  central: ["madhya"],
  rural: ["gramin"],
  inner: ["antarik", "bhitari"],
  outer: ["bahari"],
  new: ["nai"],
  islands: ["dvip"],
  and: ["aur"],
  // Constituencies kept under their old names in data/ (data/README.md, "Names") but known by the new ones.
  allahabad: ["allahabad", "prayagraj"],
  faizabad: ["faizabad", "ayodhya"],
  gurgaon: ["gurgaon", "gurugram"],
  gulbarga: ["gulbarga", "kalaburagi"],
  belgaum: ["belgaum", "belagavi"],
  osmanabad: ["osmanabad", "dharashiv"],
  aurangabad: ["aurangabad", "sambhajinagar"],
  bangalore: ["bangalore", "bengaluru"],
};

/** Devanagari that Sanscript's tables lack, folded to letters they have. */
function foldDevanagari(text: string): string {
  return (
    text
      .normalize("NFD")
      // ड़ and ढ़ are flapped r sounds (गढ़वाल = Garhwal, छिंदवाड़ा = Chhindwara): an r, not a d.
      .replace(/[डढ]\u093C/g, "र")
      // Other nukta letters (क़ ख़ ग़ ज़ फ़) are written with and without the dot alike; z and f come back in step 3.
      .replace(/\u093C/g, "")
      .replace(/ऑ/g, "ओ")
      .replace(/ॉ/g, "ो")
      .replace(/ऍ/g, "ए")
      .replace(/ॅ/g, "े")
      .replace(/ँ/g, "ं")
  );
}

/** Text in either script as lowercase ASCII words (anything else is a word break). */
export function romanise(text: string): string[] {
  const latin = DEVANAGARI.test(text) ? Sanscript.t(foldDevanagari(text), "devanagari", "itrans") : text;
  return latin
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** One romanised word with English spellings and aspirates folded, vowels kept (see step 3 above). */
function foldWord(word: string): string {
  return (
    word
      .replace(/ck/g, "k")
      .replace(/ch/g, "C")
      .replace(/sh/g, "s")
      .replace(/ph/g, "f")
      .replace(/c/g, "k")
      .replace(/C/g, "c")
      .replace(/([kgjtdbr])h/g, "$1")
      // A final "ow" is a vowel in English spellings (Lucknow).
      .replace(/ow$/, "o")
      .replace(/z/g, "j")
      .replace(/q/g, "k")
      .replace(/x/g, "ks")
      .replace(/w/g, "v")
      .replace(/m/g, "n")
      .replace(/(.)\1+/g, "$1")
  );
}

/** A name's key twice over: consonants only (decides whether it matches) and with vowels (orders the matches). */
export interface NameKey {
  consonants: string;
  full: string;
}

const consonantsOf = (folded: string) => folded.replace(/[aeiou]/g, "").replace(/(.)\1+/g, "$1");

/** Every key a name may be typed as: one per combination of its words' forms (few: names have few such words). */
export function nameKeys(name: string): NameKey[] {
  let keys = [""];
  for (const word of romanise(name)) {
    const forms = WORD_FORMS[word] ?? [word];
    const next = new Set<string>();
    for (const k of keys) for (const f of forms) next.add(k + foldWord(f));
    keys = [...next].slice(0, 16);
  }
  return keys.filter(Boolean).map((full) => ({ consonants: consonantsOf(full), full }));
}

const VOWELS = new Set(["a", "e", "i", "o", "u"]);
const WEAK = new Set(["v", "y", "h"]);
/** Adding or dropping a letter: a vowel costs little (spellings differ most there), v, y and h half, others 1. */
const indel = (ch: string) => (VOWELS.has(ch) ? 0.2 : WEAK.has(ch) ? 0.5 : 1);
/** Swapping letters: vowel for vowel is cheap; a vowel for a weak letter (Jaipur/जयपुर: i/y) half. */
function swap(a: string, b: string): number {
  if (a === b) return 0;
  const va = VOWELS.has(a);
  const vb = VOWELS.has(b);
  if (va && vb) return 0.2;
  if ((va && WEAK.has(b)) || (vb && WEAK.has(a))) return 0.5;
  return 1;
}

/**
 * Weighted edit distance of `query` to `target` (whole target) and to the best start of `target` (the query may be
 * the first letters of a name).
 */
function distances(query: string, target: string): { whole: number; start: number } {
  let prev = new Array<number>(target.length + 1);
  prev[0] = 0;
  for (let j = 1; j <= target.length; j++) prev[j] = prev[j - 1]! + indel(target[j - 1]!);
  for (let i = 1; i <= query.length; i++) {
    const row = new Array<number>(target.length + 1);
    row[0] = prev[0]! + indel(query[i - 1]!);
    for (let j = 1; j <= target.length; j++) {
      row[j] = Math.min(prev[j - 1]! + swap(query[i - 1]!, target[j - 1]!), prev[j]! + indel(query[i - 1]!), row[j - 1]! + indel(target[j - 1]!));
    }
    prev = row;
  }
  return { whole: prev[target.length]!, start: Math.min(...prev) };
}

/** A query key against a name key: the whole name, or its start (a half more, so whole names come first). */
function closeness(query: string, target: string): number {
  const { whole, start } = distances(query, target);
  return Math.min(whole, start + 0.5);
}

/** How far a query may stray from a name, by the length of its consonant key: short keys must match closely. */
function tolerance(keyLength: number): number {
  return Math.max(0.5, keyLength / 4);
}

/** Lower is better; undefined when `name` does not match `queryKeys` (from nameKeys of the query). */
export function matchScore(queryKeys: readonly NameKey[], name: string): number | undefined {
  let best: number | undefined;
  for (const q of queryKeys) {
    for (const k of nameKeys(name)) {
      if (closeness(q.consonants, k.consonants) > tolerance(q.consonants.length)) continue;
      const score = closeness(q.full, k.full);
      if (best === undefined || score < best) best = score;
    }
  }
  return best;
}

function plain(s: string): string {
  return s.normalize("NFC").toLocaleLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * The items whose label matches `query`, best first. A query found letter for letter in labels (what the buttons
 * show, in the reader's script) gives those, in their order, as before; otherwise the sound keys decide, so a
 * Devanagari query finds an English name and a misspelling still finds its seat.
 */
export function searchByName<T extends { label: string }>(query: string, items: readonly T[]): T[] {
  const needle = plain(query);
  if (!needle) return [];
  const literal = items.filter((c) => plain(c.label).includes(needle));
  if (literal.length) return literal;
  const keys = nameKeys(query);
  if (!keys.length) return [];
  const scored: { item: T; score: number; i: number }[] = [];
  items.forEach((item, i) => {
    const score = matchScore(keys, item.label);
    if (score !== undefined) scored.push({ item, score, i });
  });
  return scored.sort((a, b) => a.score - b.score || a.i - b.i).map((s) => s.item);
}
