/**
 * Splits a byte stream into lines for the invocation log. Lambda's Node runtime writes one record
 * per console call and turns inner newlines into `\r` (RIC LogPatch.js), so a line is a record.
 *
 * Linear in the bytes it is given: each chunk is scanned once, from where the last scan stopped, and
 * a line's bytes are joined once, when it is complete. Memory stays bounded for a line that never
 * ends: a line longer than one CloudWatch Logs event is cut into several events as it streams, as
 * Lambda does (a long line reaches CloudWatch split into consecutive events; each event's message is
 * at most 256 KB minus the 26 bytes PutLogEvents counts per event:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html).
 */

/** CloudWatch Logs' event size (256 KB) less the 26 bytes of per-event overhead PutLogEvents counts. */
export const MAX_LOG_EVENT_BYTES = 256 * 1024 - 26;

const NEWLINE = 0x0a;

export interface LineSplitter {
  write(chunk: Buffer): void;
  /** Emits what is left of an unterminated last line. */
  end(): void;
}

export function splitLines(
  onLine: (line: string) => void,
  maxLineBytes: number = MAX_LOG_EVENT_BYTES,
): LineSplitter {
  // The current, incomplete line: chunks (or parts of chunks) not joined until the line is emitted.
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const takePending = (tail?: Buffer): Buffer => {
    if (tail) pending.push(tail);
    const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    return joined;
  };

  /** Emits `line`, cut into events of at most `maxLineBytes`, never inside a UTF-8 character. */
  const emit = (line: Buffer): void => {
    let rest = line;
    while (rest.length > maxLineBytes) {
      const cut = characterBoundary(rest, maxLineBytes);
      onLine(rest.toString("utf8", 0, cut));
      rest = rest.subarray(cut);
    }
    onLine(rest.toString("utf8"));
  };

  /** A line that has outgrown one event: emit its full events now, keep the remainder pending. */
  const cutOverlong = (): void => {
    if (pendingBytes <= maxLineBytes) return;
    let rest = takePending();
    while (rest.length > maxLineBytes) {
      const cut = characterBoundary(rest, maxLineBytes);
      onLine(rest.toString("utf8", 0, cut));
      rest = rest.subarray(cut);
    }
    // Copied, so that the chunk the remainder came from is not kept alive behind it.
    pending = [Buffer.from(rest)];
    pendingBytes = rest.length;
  };

  return {
    write(chunk) {
      let start = 0;
      let newline = chunk.indexOf(NEWLINE, start);
      while (newline !== -1) {
        const piece = chunk.subarray(start, newline);
        emit(pendingBytes === 0 ? piece : takePending(piece));
        start = newline + 1;
        newline = chunk.indexOf(NEWLINE, start);
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        cutOverlong();
      }
    },
    end() {
      if (pendingBytes > 0) emit(takePending());
    },
  };
}

/**
 * The largest cut ≤ `limit` that does not fall inside a UTF-8 sequence (a continuation byte is
 * 0b10xxxxxx; a character has at most three of them). Malformed input is cut at `limit`.
 */
function characterBoundary(bytes: Buffer, limit: number): number {
  for (let cut = limit; cut > limit - 4 && cut > 0; cut--) {
    if (((bytes[cut] ?? 0) & 0xc0) !== 0x80) return cut;
  }
  return limit;
}
