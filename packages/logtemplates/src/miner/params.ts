// Parameter extraction: given a template and a raw message, recover the values behind each <*>.
// Done on the preprocessed (unmasked) message with a regex built from the template, so masked
// values that spanned spaces (timestamps) come back whole.
import { WILDCARD } from "./masks.js";
import { DEFAULT_MINER_OPTIONS, type MinerOptions } from "./options.js";
import { preprocess } from "./preprocess.js";

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Returns the parameter values in order, or undefined when the message does not fit the template. */
export function extractParameters(
  template: string,
  line: string,
  opts: Partial<MinerOptions> = {},
): string[] | undefined {
  const o = { ...DEFAULT_MINER_OPTIONS, ...opts };
  const msg = preprocess(line, o).trim();
  const parts = template.split(WILDCARD).map((p) => p.split(/\s+/).map(escape).join("\\s+"));
  const re = new RegExp(`^${parts.join("(.*?)")}$`, "s");
  const m = re.exec(msg);
  return m ? m.slice(1) : undefined;
}
