/**
 * The network environments join, and the address their Runtime API servers listen on.
 *
 * By default Lambkin creates a bridge network of its own, `lambkin`, with inter-container traffic
 * off: an environment reaches the host (its Runtime API, local services through
 * host.docker.internal) and the outside, but no other environment, as on Lambda. The Runtime API
 * servers listen on that bridge's gateway address — the host's own address on the bridge — rather
 * than 0.0.0.0, so that they are reachable from the host and its containers but not from the LAN;
 * Lambkin's gateway keeps listening where it was told (127.0.0.1 by default), which
 * containers cannot reach. In compose, LAMBKIN_DOCKER_NETWORK names the compose network instead, and
 * the worker, a container on that network itself, listens on its own address there (own-address.ts), or on
 * LAMBKIN_DOCKER_RUNTIME_API_HOST when it is set.
 *
 * Names are not unique on a Docker engine: two `createNetwork` calls racing on a fresh engine (test
 * files starting in parallel, two Lambkins starting together) both succeed even with CheckDuplicate
 * (Docker 20.10), and every later call by name then fails as "ambiguous". So Lambkin never refers to
 * its network by name after this module: it lists every network of the name, elects the OLDEST one
 * (creation time, then id) — an election every Lambkin on the engine agrees on, whenever it runs —
 * removes the younger duplicates it owns, and hands back the winner's id.
 */
import type Docker from "dockerode";
import { statusOf, withDeadline } from "./docker-engine.js";
import { MANAGED_LABEL } from "./ownership.js";

export const DEFAULT_NETWORK = "lambkin";

export interface SandboxNetwork {
  /** The network's id: what containers are attached to (a name may be ambiguous). */
  readonly id: string;
  readonly name: string;
  /** The host's address on the network: where Runtime API servers listen and environments call. */
  readonly gateway: string;
  /** The network's IPv4 subnet (`172.18.0.0/16`), when the engine says. */
  readonly subnet?: string;
}

interface NetworkSummary {
  readonly Id: string;
  readonly Name: string;
  readonly Created?: string;
  readonly Labels?: Record<string, string>;
}

/** Every network called exactly `name` (the engine's name filter also matches parts of names). */
async function networksNamed(docker: Docker, name: string): Promise<NetworkSummary[]> {
  const all = (await withDeadline(
    docker.listNetworks({ filters: { name: [name] } }),
    `listing networks named ${name}`,
  )) as NetworkSummary[];
  return all.filter((network) => network.Name === name);
}

/** Creation time in nanoseconds: the engine's RFC 3339 timestamps carry more digits than Date keeps. */
export function createdNanos(created: string | undefined): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(created ?? "");
  if (!match) return BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n; // unknown: never preferred
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = (match[2] ?? "").padEnd(9, "0").slice(0, 9);
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** The network every Lambkin picks among same-named ones: the oldest, ties broken by id. */
export function electNetwork<T extends NetworkSummary>(candidates: readonly T[]): T | undefined {
  return [...candidates].sort((a, b) => {
    const byAge = createdNanos(a.Created) - createdNanos(b.Created);
    if (byAge !== 0n) return byAge < 0n ? -1 : 1;
    return a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;
  })[0];
}

async function createNetwork(docker: Docker, name: string): Promise<void> {
  try {
    await withDeadline(
      docker.createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: { [MANAGED_LABEL]: "true" },
        // Environments must not reach one another (Lambda isolates them).
        Options: { "com.docker.network.bridge.enable_icc": "false" },
      }),
      `creating network ${name}`,
    );
  } catch (error) {
    if (statusOf(error) !== 409) throw error; // 409: another Lambkin created it first
  }
}

/**
 * Removes the duplicates Lambkin created (never a network someone else made). One that still has
 * containers (a Lambkin of an older version attached them) stays until a later start: harmless now
 * that every Lambkin attaches by id to the elected one.
 */
async function removeDuplicates(docker: Docker, duplicates: readonly NetworkSummary[]): Promise<void> {
  await Promise.all(
    duplicates
      .filter((network) => network.Labels?.[MANAGED_LABEL] === "true")
      .map((network) =>
        withDeadline(
          docker.getNetwork(network.Id).remove(),
          `removing duplicate network ${network.Id}`,
        ).catch(
          () => undefined, // in use, or another Lambkin removed it first
        ),
      ),
  );
}

async function addressesOf(docker: Docker, id: string): Promise<{ gateway?: string; subnet?: string }> {
  const info = await withDeadline(docker.getNetwork(id).inspect(), `inspecting network ${id}`);
  const configs = ((info.IPAM?.Config ?? []) as { Gateway?: string; Subnet?: string }[]).filter(
    (config) => !config.Subnet?.includes(":"),
  );
  const explicit = configs.find((config) => config.Gateway)?.Gateway;
  const subnet = configs[0]?.Subnet;
  // The default `bridge` network does not list its gateway: the engine gives it the subnet's first address.
  return { gateway: explicit ?? firstAddress(subnet), subnet };
}

function firstAddress(subnet: string | undefined): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet ?? "");
  return match ? `${match[1]}.${match[2]}.${match[3]}.${Number(match[4]) + 1}` : undefined;
}

/**
 * Finds (or creates, labelled as Lambkin's) the network called `name` — LAMBKIN_DOCKER_NETWORK, or
 * `lambkin` — and returns it by id. Safe when any number of Lambkins run it at once on one engine.
 */
export async function resolveNetwork(docker: Docker, name: string | undefined): Promise<SandboxNetwork> {
  const wanted = name ?? DEFAULT_NETWORK;
  let candidates = await networksNamed(docker, wanted);
  if (candidates.length === 0) {
    await createNetwork(docker, wanted);
    candidates = await networksNamed(docker, wanted);
  }
  const elected = electNetwork(candidates);
  if (!elected) throw new Error(`the Docker network ${wanted} vanished while Lambkin was creating it`);
  await removeDuplicates(
    docker,
    candidates.filter((network) => network.Id !== elected.Id),
  );
  const { gateway, subnet } = await addressesOf(docker, elected.Id);
  if (!gateway)
    throw new Error(`the Docker network ${wanted} has no IPv4 gateway for the Runtime API to listen on`);
  return { id: elected.Id, name: wanted, gateway, ...(subnet ? { subnet } : {}) };
}
