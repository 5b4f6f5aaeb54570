// Where the drain barrier reads a container's TCP table: only from /proc/<pid> of a process that is
// the container's (its cgroup names it) on an engine of this host. A pid that is some other process
// (a remote engine's, or one reused) or a remote DOCKER_HOST gives a reason instead, and the barrier
// falls back to timing. The container's own case runs in the docker conformance project.
import { afterEach, describe, expect, it } from "vitest";
import { containerNetDir } from "../../../runtime/sandbox/docker/container-net-dir.js";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const dockerHost = process.env.DOCKER_HOST;

afterEach(() => {
  if (dockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = dockerHost;
});

describe("a container's network directory", () => {
  it("refuses a process of this host that is not the container's", () => {
    expect(containerNetDir(process.pid, ID)).toEqual({
      problem: `process ${process.pid} of this host is not the container's (another pid namespace?)`,
    });
  });

  it("refuses a remote engine's pid without looking at this host's processes", () => {
    process.env.DOCKER_HOST = "tcp://10.0.0.5:2376";
    expect(containerNetDir(1, ID)).toEqual({
      problem: "the Docker engine is not on this host (tcp://10.0.0.5:2376)",
    });
  });

  it("refuses a container with no process and a process that is gone", () => {
    delete process.env.DOCKER_HOST;
    expect(containerNetDir(0, ID)).toEqual({
      problem: "the engine reported no process id for the container",
    });
    expect(containerNetDir(2 ** 22 + 1, ID)).toMatchObject({ problem: expect.stringContaining("ENOENT") });
  });
});
