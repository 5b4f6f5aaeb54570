/**
 * ConfigError: a LAMBKIN_* setting (from the environment or the runtime options) that Lambkin cannot use.
 * Like a manifest error it is the operator's to fix, so the CLI shows it as one line and exits 2.
 */
import type { LambkinCode } from "./lambkin-codes.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code: Extract<LambkinCode, `LKN_ERR_CONFIG_${string}`>;

  constructor(
    message: string,
    code: Extract<LambkinCode, `LKN_ERR_CONFIG_${string}`> = "LKN_ERR_CONFIG_INVALID",
  ) {
    super(message);
    this.code = code;
  }
}
