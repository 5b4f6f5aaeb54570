import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Tests start real processes, containers and servers; the machines have two cores.
    maxWorkers: 2,
    // Tests start many Lambkins at once: each local stand-in (mail, DynamoDB Local, S3) takes a free port rather
    // than fighting for its default.
    env: { LAMBKIN_SMTP_PORT: "0", LAMBKIN_DYNAMODB_PORT: "0", LAMBKIN_S3_PORT: "0" },
    projects: [
      {
        // Everything, with the default (process) sandbox.
        extends: true,
        test: { name: "process", include: ["test/**/*.test.ts"] },
      },
      {
        // The Lambda conformance suite again, unchanged, with every environment in a Docker container
        // (docs/architecture.md: one conformance suite run against every adapter). Needs a Docker engine; the
        // global setup builds the runtime images offline when they are missing or stale.
        extends: true,
        test: {
          name: "docker",
          include: ["test/conformance/**/*.test.ts"],
          // The suite's timings were set against the process sandbox, which has no CPU limit (an OOM loop
          // of 8 MB allocations must die within a 1 s timeout at 128 MB): at Lambda's 0.07 vCPU for 128 MB
          // it may not, on a loaded two-core machine. Half a CPU at least keeps the suite about semantics;
          // CPU in proportion to memory is tested in test/runtime/docker/hardening.test.ts.
          env: {
            LAMBKIN_SANDBOX: "docker",
            LAMBKIN_DOCKER_MIN_CPUS: "0.5",
            LAMBKIN_SMTP_PORT: "0",
            LAMBKIN_DYNAMODB_PORT: "0",
            LAMBKIN_S3_PORT: "0",
          },
          globalSetup: ["test/runtime/docker/runtime-images.setup.ts"],
        },
      },
    ],
  },
});
