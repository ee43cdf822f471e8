/**
 * Server tags as agents report them (agent config `tags`): a bare name (`linux`) or `key=value`
 * (`gpu=a10`). Placement requirements read `tag:gpu` as the value of tag `gpu=...`, and a bare tag's
 * value as ''. The rule keeps every tag the earlier rule took (a letter or digit, then up to 63 of
 * `_ . : = / -`): such a tag splits at its first `=` into a key and a value this rule allows.
 */
import { Type } from '@sinclair/typebox';

/** Longest tag key and value (the part after the first `=`). */
export const TAG_KEY_MAX = 64;
export const TAG_VALUE_MAX = 128;

/** Key: a letter or digit, then letters, digits and `_ . : / -`; value: letters, digits and `_ . : = / @ + , -` (no spaces, no quotes). */
const TAG_RE = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,${TAG_KEY_MAX - 1}}(=[A-Za-z0-9_.:=/@+,-]{0,${TAG_VALUE_MAX}})?$`);

/** A tag field of a wire model. */
export const Tag = Type.String({
  pattern: TAG_RE.source,
  description: '`name` or `key=value`: a key of up to 64 letters, digits and _ . : / -, a value of up to 128 letters, digits and _ . : = / @ + , -',
});

/** True if `value` is a tag by the rule above. */
export const isTag = (value: unknown): value is string => typeof value === 'string' && TAG_RE.test(value);

/** A tag's key and value: split at the first `=`; a bare tag has the value ''. */
export function splitTag(tag: string): { key: string; value: string } {
  const at = tag.indexOf('=');
  return at < 0 ? { key: tag, value: '' } : { key: tag.slice(0, at), value: tag.slice(at + 1) };
}
