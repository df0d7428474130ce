import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { BerthError } from '../base/errors.js';
import { Override, Reset } from './markers.js';

const reset = (): Reset => new Reset();
const override = (node: YAMLMap | YAMLSeq): Override => new Override(node.toJSON());
const TAGS: (ScalarTag | CollectionTag)[] = [
  { tag: '!reset', resolve: reset },
  { tag: '!reset', collection: 'seq', resolve: reset },
  { tag: '!reset', collection: 'map', resolve: reset },
  { tag: '!override', resolve: (s: string) => new Override(s) },
  { tag: '!override', collection: 'seq', resolve: override },
  { tag: '!override', collection: 'map', resolve: override },
] as (ScalarTag | CollectionTag)[];

/**
 * Parses one compose file's YAML (1.2 core schema as go-yaml v3 reads it, with `<<` merge keys
 * and anchors). A syntax error names the file and line, as compose v2 does.
 * @throws BerthError InvalidArgument `parsing FILE: yaml: line N: …`
 */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { merge: true, customTags: TAGS, uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line;
    const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new BerthError('InvalidArgument', `parsing ${file}: yaml: ${line !== undefined ? `line ${line}: ` : ''}${message}`);
  }
  return doc.toJS({ maxAliasCount: 10000 }) as unknown;
}
