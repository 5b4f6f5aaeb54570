// Init failures of the Node.js runtime (docs/lambda-behaviour.md §2.1): the runtime logs
// `<ts>\tundefined\tERROR\tUncaught Exception \t{…}`, posts the error to /runtime/init/error and exits
// (status 129). The invocation fails with that error as its payload, and every later invocation tries
// init again in a fresh environment — and fails the same way.
import { describe, expect, it } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import {
  type ErrorExpectation,
  expectFunctionError,
  expectPlatformLines,
  nodeConformanceService,
  parseErrorLine,
} from "./log-expectations.js";

describe("Node.js init errors", () => {
  const node = nodeConformanceService();

  /** The payload, the init log line, and the platform lines of a cold start that failed in init. */
  function expectInitFailure(result: InvokeResult, expected: ErrorExpectation): void {
    const trace = expectFunctionError(result, expected);
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    // The line is written during init (before START); it only has to precede END.
    const logged = [...before, ...during];
    expect(logged).toHaveLength(1);
    // Error `name`s of the runtime's errors live on their prototypes: no own "name" key in the line.
    expect(parseErrorLine(logged[0], "undefined", "Uncaught Exception")).toEqual({
      errorType: expected.errorType,
      errorMessage: expected.errorMessage,
      stack: trace,
    });
  }

  async function expectInitFailsEveryTime(fn: string, expected: () => ErrorExpectation): Promise<void> {
    expectInitFailure(await node.fixture.invoke(fn), expected());
    // The environment is gone: the next invocation initializes again (REPORT has Init Duration again).
    expectInitFailure(await node.fixture.invoke(fn), expected());
  }

  it("a module that does not exist: Runtime.ImportModuleError, require stack naming the runtime", async () => {
    await expectInitFailsEveryTime("missingModule", () => {
      const message = `Error: Cannot find module 'missing-module'\nRequire stack:\n- ${node.paths.runtimeDir}/index.mjs`;
      return {
        errorType: "Runtime.ImportModuleError",
        errorMessage: message,
        traceStart: [
          "Runtime.ImportModuleError: Error: Cannot find module 'missing-module'",
          "Require stack:",
          `- ${node.paths.runtimeDir}/index.mjs`,
        ],
      };
    });
  });

  it("a module that does not parse: Runtime.UserCodeSyntaxError", async () => {
    await expectInitFailsEveryTime("syntaxError", () => ({
      errorType: "Runtime.UserCodeSyntaxError",
      errorMessage: "SyntaxError: Unexpected token ';'",
      traceStart: ["Runtime.UserCodeSyntaxError: SyntaxError: Unexpected token ';'"],
    }));
  });

  it("no such export: Runtime.HandlerNotFound '… is undefined or not exported'", async () => {
    await expectInitFailsEveryTime("missingExport", () => ({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "handlers/no-export.handler is undefined or not exported",
      traceStart: ["Runtime.HandlerNotFound: handlers/no-export.handler is undefined or not exported"],
    }));
  });

  it("an export that is not a function: Runtime.HandlerNotFound '… is not a function'", async () => {
    await expectInitFailsEveryTime("notAFunction", () => ({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "handlers/not-a-function.handler is not a function",
      traceStart: ["Runtime.HandlerNotFound: handlers/not-a-function.handler is not a function"],
    }));
  });

  it("a handler name without an export part: Runtime.MalformedHandlerName 'Bad handler'", async () => {
    await expectInitFailsEveryTime("malformedHandlerName", () => ({
      errorType: "Runtime.MalformedHandlerName",
      errorMessage: "Bad handler",
      traceStart: ["Runtime.MalformedHandlerName: Bad handler"],
    }));
  });

  it("a handler path with '..': Runtime.MalformedHandlerName", async () => {
    const message =
      "'../outside.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.";
    await expectInitFailsEveryTime("relativeHandlerPath", () => ({
      errorType: "Runtime.MalformedHandlerName",
      errorMessage: message,
      traceStart: [`Runtime.MalformedHandlerName: ${message}`],
    }));
  });

  it("a module that throws while loading: the error itself, not wrapped", async () => {
    await expectInitFailsEveryTime("initThrows", () => ({
      errorType: "Error",
      errorMessage: "cannot connect to the database",
      traceStart: [
        "Error: cannot connect to the database",
        `    at Object.<anonymous> (${node.paths.taskRoot}/handlers/init-throws.js:5:7)`,
      ],
    }));
  });

  it("a module whose dependency is missing: the require stack names the module, then the runtime", async () => {
    await expectInitFailsEveryTime("missingDependency", () => {
      const requireStack = [
        "Require stack:",
        `- ${node.paths.taskRoot}/handlers/requires-missing-dep.js`,
        `- ${node.paths.runtimeDir}/index.mjs`,
      ];
      return {
        errorType: "Runtime.ImportModuleError",
        errorMessage: ["Error: Cannot find module 'left-pad-that-does-not-exist'", ...requireStack].join(
          "\n",
        ),
        traceStart: [
          "Runtime.ImportModuleError: Error: Cannot find module 'left-pad-that-does-not-exist'",
          ...requireStack,
        ],
      };
    });
  });
});
