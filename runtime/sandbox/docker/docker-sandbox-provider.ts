/**
 * The `docker` adapter of the Sandbox port (docs/architecture.md "Ports and adapters"): each execution environment
 * is one hardened container (container-plan.ts) running the function's runtime image — Lambkin's image
 * for its runtime, or the function's own Lambda-compatible image — and talking to its Runtime API
 * server on the host through the sandbox network's gateway (docker-network.ts). Everything above the
 * port (environments, pool, invoker) is unchanged.
 *
 * Lifecycle: on first use it reaches the engine, joins or creates the network and removes containers
 * left by Lambkins that died (ownership.ts); cold starts take a standby container when one is ready
 * (standby-pool.ts); close() removes every container it owns. Failures to start are typed
 * SandboxStartErrors (docker-errors.ts): the invocation fails in Lambda's shape and says what to do.
 */
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { LambkinCode } from "../../errors/lambkin-codes.js";
import type { FunctionDefinition } from "../../manifest/function-definition.js";
import type { RunningSandbox, SandboxProvider, SandboxSpec } from "../sandbox.js";
import { missingBootstrap } from "../sandbox-start-error.js";
import { ContainerEnvironment } from "./container-environment.js";
import { type ContainerContext, type ContainerPlan, containerName, planContainer } from "./container-plan.js";
import { connectDocker, isUnreachable, statusOf, withDeadline } from "./docker-engine.js";
import {
  engineError,
  engineUnavailable,
  imageMissing,
  imageStale,
  userImageMissing,
} from "./docker-errors.js";
import { resolveNetwork, type SandboxNetwork } from "./docker-network.js";
import type { DockerSandboxSettings } from "./docker-settings.js";
import { discoverHostPaths, type HostPathOf } from "./host-paths.js";
import { bootstrapDigest } from "./images/bootstrap-bundle.js";
import { BOOTSTRAP_LABEL, type ImageFamily, imageFamily } from "./images/runtime-images.js";
import { LoopbackForwarders } from "./loopback-forwarders.js";
import { OutputChannel } from "./output-channel.js";
import { ownAddressOn } from "./own-address.js";
import { newOwner, type Owner, removeLeftovers, removeOwned } from "./ownership.js";
import { StandbyPool } from "./standby-pool.js";

/** A missing engine answers at once (no socket, refused); a wedged one gets this long. */
const PING_MS = 5_000;

export class DockerSandboxProvider implements SandboxProvider {
  readonly name = "docker";
  readonly owner: Owner = newOwner();
  private readonly running = new Set<ContainerEnvironment>();
  private readonly standby: StandbyPool;
  private readonly checkedImages = new Map<string, Promise<void>>();
  private readonly digests = new Map<ImageFamily, string>();
  private readonly output = new OutputChannel();
  private network: SandboxNetwork | undefined;
  /** This process's address on the network (own-address.ts). */
  private ownAddress: string | undefined;
  private hostPathOf: HostPathOf | undefined;
  private engineCpus = 1;
  private ready: Promise<void> | undefined;
  private connected = false;
  private closing: Promise<void> | undefined;
  private drainFallbackWarned = false;
  private readonly forwarders = new LoopbackForwarders(() => this.runtimeApiBindHost);

  private constructor(
    private readonly docker: Docker,
    private readonly settings: DockerSandboxSettings,
    private readonly warn: (code: LambkinCode, message: string) => void,
  ) {
    this.standby = new StandbyPool(settings.standbyPerFunction, (plan) => this.prepare(plan));
  }

  /** Never fails for want of an engine: each invocation reports that, and a later one may find it. */
  static async create(
    settings: DockerSandboxSettings,
    docker = connectDocker(),
    warn: (code: LambkinCode, message: string) => void = () => {},
  ): Promise<DockerSandboxProvider> {
    const provider = new DockerSandboxProvider(docker, settings, warn);
    await provider.connect().catch(() => undefined);
    return provider;
  }

  get runtimeApiBindHost(): string {
    // Until the engine is reached the network is unknown; start() then fails anyway.
    return this.settings.runtimeApiHost ?? this.ownAddress ?? "127.0.0.1";
  }

  get runtimeApiAdvertisedHost(): string {
    return this.runtimeApiBindHost;
  }

  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    if (this.closing) throw new Error("Lambkin is shutting down");
    await this.connectOrExplain();
    if (!spec.runtimeApiAddress.startsWith(`${this.runtimeApiAdvertisedHost}:`)) {
      throw engineUnavailable(
        new Error("it became reachable while this environment was being set up; invoke again"),
      );
    }
    // The host's loopback services, as this container reaches them (loopback-forwarders.ts).
    const serviceEndpoints =
      spec.serviceEndpoints && (await this.forwarders.containerView(spec.serviceEndpoints));
    const plan = planContainer(
      spec.fn,
      this.context(),
      serviceEndpoints ? { ...spec, serviceEndpoints } : spec,
    );
    if (plan.launcher && imageFamily(spec.fn.runtime) === "provided") requireBootstrap(spec.fn);
    await this.checkImage(spec.fn, plan);
    const environment = this.standby.take(plan) ?? (await this.prepare(plan));
    this.running.add(environment);
    const registration = this.output.register(environment);
    void environment.exited.then(() => {
      this.running.delete(environment);
      registration.release();
    });
    try {
      const endpoint = this.output.endpoint;
      await environment.activate(spec, endpoint ? { endpoint, token: registration.token } : undefined);
    } catch (error) {
      await environment.kill();
      throw isUnreachable(error)
        ? engineUnavailable(error)
        : engineError("start the environment's container", error);
    }
    this.standby.refill(plan);
    return environment;
  }

  /** Environments running now, for tests. */
  environments(): ContainerEnvironment[] {
    return [...this.running];
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.standby.close();
      await Promise.all([...this.running].map((environment) => environment.kill()));
      // Whatever the engine still holds under our name (a create that raced the close) goes too.
      if (this.connected) await removeOwned(this.docker, this.owner).catch(() => undefined);
      this.output.close();
      this.forwarders.close();
    })();
    return this.closing;
  }

  private connect(): Promise<void> {
    this.ready ??= (async () => {
      await withDeadline(this.docker.ping(), "a ping", PING_MS);
      const info = await withDeadline(this.docker.info() as Promise<{ NCPU?: number }>, "info");
      this.engineCpus = info.NCPU || 1;
      this.network = await resolveNetwork(this.docker, this.settings.network);
      this.ownAddress = ownAddressOn(this.network);
      this.hostPathOf = await discoverHostPaths(this.docker);
      if (!this.output.endpoint) await this.output.listen(this.runtimeApiBindHost);
      this.connected = true;
      await removeLeftovers(this.docker);
    })();
    // A failed attempt is not kept: the next invocation tries again.
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private async connectOrExplain(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      throw isUnreachable(error)
        ? engineUnavailable(error)
        : engineError("get ready for environments", error);
    }
  }

  private context(): ContainerContext {
    return {
      owner: this.owner,
      network: this.network?.id ?? "none",
      engineCpus: this.engineCpus,
      minCpus: this.settings.minCpus,
      imageRepository: this.settings.imageRepository,
      ...(this.hostPathOf ? { hostPathOf: this.hostPathOf } : {}),
    };
  }

  private async prepare(plan: ContainerPlan): Promise<ContainerEnvironment> {
    try {
      return await this.prepareOnElectedNetwork(plan);
    } catch (error) {
      if (statusOf(error) === 404) this.checkedImages.delete(plan.image); // removed since it was checked
      if (isUnreachable(error)) throw engineUnavailable(error);
      if (statusOf(error) === 404)
        throw plan.launcher ? imageMissing(plan.image) : userImageMissing(plan.image);
      throw engineError("create the environment's container", error);
    }
  }

  /**
   * Containers are attached to the elected network by id, but Docker 20.10 still looks the network up
   * by name while it creates and starts a container: while another Lambkin's younger duplicate exists
   * (between its create and its removal, docker-network.ts) that fails as "ambiguous". Heal the engine
   * (remove the younger duplicates) and try again, a few times, before giving up.
   */
  private async prepareOnElectedNetwork(plan: ContainerPlan): Promise<ContainerEnvironment> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ContainerEnvironment.prepare(
          this.docker,
          plan,
          containerName(plan),
          true,
          this.settings.freezeIdle,
          (reason) => this.drainFallback(reason),
        );
      } catch (error) {
        if (attempt >= AMBIGUOUS_NETWORK_ATTEMPTS || !isAmbiguousNetwork(error)) throw error;
        await resolveNetwork(this.docker, this.settings.network).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** Said once: from now on some environments' logs are attributed by timing (container-environment.ts). */
  private drainFallback(reason: string): void {
    if (this.drainFallbackWarned) return;
    this.drainFallbackWarned = true;
    this.warn(
      "LKN_WRN_DOCKER_OUTPUT_DRAIN_TIMED",
      `${reason}: an invocation's END waits for its output to be quiet instead of counting its bytes, so under load a log line written just before the response may appear after END`,
    );
  }

  /** The image exists and, for Lambkin's, carries the runtime files of this Lambkin. Checked once. */
  private checkImage(fn: FunctionDefinition, plan: ContainerPlan): Promise<void> {
    let check = this.checkedImages.get(plan.image);
    if (check) return check;
    check = (async () => {
      let labels: Record<string, string> | undefined;
      try {
        const info = await withDeadline(
          this.docker.getImage(plan.image).inspect(),
          `inspecting image ${plan.image}`,
        );
        labels = info.Config?.Labels ?? undefined;
      } catch (error) {
        if (statusOf(error) === 404)
          throw plan.launcher ? imageMissing(plan.image) : userImageMissing(plan.image);
        throw isUnreachable(error)
          ? engineUnavailable(error)
          : engineError(`inspect image ${plan.image}`, error);
      }
      if (plan.launcher && labels?.[BOOTSTRAP_LABEL] !== this.digest(imageFamily(fn.runtime))) {
        throw imageStale(plan.image);
      }
    })();
    this.checkedImages.set(plan.image, check);
    check.catch(() => this.checkedImages.delete(plan.image));
    return check;
  }

  private digest(family: ImageFamily): string {
    let digest = this.digests.get(family);
    if (!digest) {
      digest = bootstrapDigest(family);
      this.digests.set(family, digest);
    }
    return digest;
  }
}

/** provided*: the package's executable `bootstrap`, checked on the host before any container exists. */
function requireBootstrap(fn: FunctionDefinition): void {
  try {
    accessSync(join(fn.serviceDir, "bootstrap"), constants.X_OK);
  } catch {
    throw missingBootstrap();
  }
}

/** Tries of a container create that meets a same-named duplicate of its network (docker-network.ts). */
const AMBIGUOUS_NETWORK_ATTEMPTS = 6;

function isAmbiguousNetwork(error: unknown): boolean {
  return /network \S+ is ambiguous/.test(String((error as Error | undefined)?.message ?? error));
}
