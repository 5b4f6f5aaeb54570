/**
 * The lines an invocation gets from the platform, whichever kind of environment runs it (execution-environment.ts,
 * concurrent-environment.ts): START with the code revision beside it (function-log-sink.ts PlatformLineFields),
 * the platform's own lines (a timeout, an exit), and at its end END and REPORT
 * (docs/lambda-behaviour.md §2.7) — each appended to the invocation's log tail and handed to the log sink — and
 * then its outcome.
 */

import type { FunctionLogSink } from "../logs/function-log-sink.js";
import type { LogTail } from "../logs/log-tail.js";
import { endLine, reportLine, startLine } from "../logs/platform-lines.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { EnvironmentInvocation, InvocationOutcome, InvocationStatus } from "./invocation.js";

export interface LoggedInvocation {
  readonly request: EnvironmentInvocation;
  readonly tail: LogTail;
  readonly resolve: (outcome: InvocationOutcome) => void;
}

/** How an invocation ended, as the environment learnt it. */
export interface Settlement {
  readonly payload: Buffer;
  readonly status: InvocationStatus;
  readonly errorType?: string;
  readonly contentType?: string;
}

/** What its REPORT line says besides the function's memory size. */
export interface ReportFigures {
  readonly durationMs: number;
  readonly initDurationMs: number | undefined;
  readonly maxMemoryUsedMB: number;
}

export class InvocationLines {
  constructor(
    private readonly fn: FunctionDefinition,
    private readonly logs: FunctionLogSink,
    private readonly logStreamName: string,
  ) {}

  start(invocation: LoggedInvocation): void {
    const line = startLine(invocation.request.requestId);
    invocation.tail.append(line);
    const codeRevision = this.fn.codeRevision?.codeSha256;
    this.logs.line(
      this.fn.name,
      invocation.request.requestId,
      line,
      "platform",
      this.logStreamName,
      codeRevision ? { codeRevision } : {},
    );
  }

  platform(invocation: LoggedInvocation, line: string): void {
    invocation.tail.append(line);
    this.logs.line(this.fn.name, invocation.request.requestId, line, "platform", this.logStreamName);
  }

  /** A line the runtime wrote, given to the invocation it belongs to (none: the environment's alone). */
  runtime(owner: LoggedInvocation | undefined, line: string, stream: "stdout" | "stderr"): void {
    owner?.tail.append(line);
    this.logs.line(this.fn.name, owner?.request.requestId, line, stream, this.logStreamName);
  }

  /** END, REPORT, then the outcome to whoever waits for it. */
  end(invocation: LoggedInvocation, settlement: Settlement, figures: ReportFigures): void {
    const { requestId } = invocation.request;
    const { durationMs, initDurationMs, maxMemoryUsedMB } = figures;
    this.platform(invocation, endLine(requestId));
    this.platform(
      invocation,
      reportLine({
        requestId,
        durationMs,
        memorySizeMB: this.fn.memorySize,
        maxMemoryUsedMB,
        initDurationMs,
        timedOut: settlement.status === "timeout",
      }),
    );
    invocation.resolve({
      requestId,
      payload: settlement.payload,
      functionError: settlement.status === "success" ? undefined : "Unhandled",
      status: settlement.status,
      errorType: settlement.errorType,
      contentType: settlement.contentType,
      durationMs,
      initDurationMs,
      maxMemoryUsedMB,
      logTail: invocation.tail,
    });
  }
}
