/** Docker-style generated names ("adjective_surname", moby's pkg/namesgenerator). */
import { randomInt } from '../base/crypto.js';

const LEFT = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'beautiful', 'blissful', 'bold', 'boring',
  'brave', 'busy', 'charming', 'clever', 'compassionate', 'competent', 'condescending', 'confident', 'cool', 'cranky', 'crazy',
  'dazzling', 'determined', 'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'eloquent', 'epic',
  'exciting', 'fervent', 'festive', 'flamboyant', 'focused', 'friendly', 'frosty', 'funny', 'gallant', 'gifted', 'goofy',
  'gracious', 'great', 'happy', 'hardcore', 'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring', 'intelligent',
  'interesting', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving', 'lucid', 'magical', 'modest', 'musing', 'mystifying',
  'naughty', 'nervous', 'nice', 'nifty', 'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical',
  'priceless', 'quirky', 'quizzical', 'recursing', 'relaxed', 'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly',
  'sleepy', 'stoic', 'strange', 'stupefied', 'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat',
  'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];
const RIGHT = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'banach', 'bardeen', 'bartik', 'bell', 'benz', 'bhabha', 'booth',
  'borg', 'bose', 'brahmagupta', 'brattain', 'brown', 'burnell', 'cannon', 'carson', 'cerf', 'chandrasekhar', 'chaplygin',
  'chatelet', 'curie', 'darwin', 'davinci', 'dijkstra', 'dirac', 'easley', 'einstein', 'elion', 'engelbart', 'euclid', 'euler',
  'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'goldberg', 'goodall', 'hamilton', 'hawking',
  'heisenberg', 'hermann', 'hopper', 'hypatia', 'jackson', 'jennings', 'johnson', 'kalam', 'kapitsa', 'keller', 'kepler',
  'khorana', 'knuth', 'lalande', 'lamport', 'leakey', 'lederberg', 'lovelace', 'lumiere', 'mahavira', 'margulis', 'maxwell',
  'mccarthy', 'mcclintock', 'meitner', 'mendel', 'mirzakhani', 'morse', 'newton', 'nobel', 'noether', 'pascal', 'pasteur',
  'perlman', 'pike', 'poincare', 'ptolemy', 'raman', 'ritchie', 'rosalind', 'sammet', 'shannon', 'shockley', 'sinoussi',
  'stonebraker', 'swanson', 'tesla', 'thompson', 'torvalds', 'turing', 'villani', 'wiles', 'williams', 'wozniak', 'wright',
  'yalow', 'yonath',
];

export function generateName(retry: number): string {
  const name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
  // "boring_wozniak" is not boring (moby's rule), and retries get a digit as Docker's do.
  if (name === 'boring_wozniak') return generateName(retry);
  return retry > 0 ? `${name}${randomInt(10)}` : name;
}

/** Docker's rule for user-given names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
