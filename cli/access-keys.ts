/**
 * Access keys for the Invoke API, from LAMBKIN_ACCESS_KEYS=`AKID:secret[,AKID2:secret2]`. With keys
 * configured every Invoke/control-plane request must carry a valid SigV4 signature from one of them.
 */
import { UsageError } from "./usage-error.js";

export function accessKeysFromEnvironment(value = process.env.LAMBKIN_ACCESS_KEYS): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const separator = pair.indexOf(":");
    if (separator <= 0 || separator === pair.length - 1) {
      throw new UsageError(
        "LAMBKIN_ACCESS_KEYS must be a comma-separated list of ACCESS_KEY_ID:SECRET_ACCESS_KEY",
        "LKN_ERR_CONFIG_INVALID",
      );
    }
    keys.set(pair.slice(0, separator), pair.slice(separator + 1));
  }
  return keys;
}
