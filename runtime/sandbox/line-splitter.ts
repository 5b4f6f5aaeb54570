/**
 * Splits a byte stream into lines for the invocation log. Lambda's Node runtime writes one record
 * per console call and turns inner newlines into `\r` (RIC LogPatch.js), so a line is a record.
 */
import { StringDecoder } from "node:string_decoder";

export function splitLines(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  return {
    write(chunk) {
      pending += decoder.write(chunk);
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    },
    end() {
      pending += decoder.end();
      if (pending.length > 0) onLine(pending);
      pending = "";
    },
  };
}
