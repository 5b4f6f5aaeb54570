// Where the docker sandbox's Runtime API servers listen when LAMBKIN_DOCKER_RUNTIME_API_HOST does not say:
// the network's gateway on the engine's host (as before), this process's own address on the network when it
// runs in a container attached to it (a compose worker: the gateway is the host's, not the worker's).
import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveNetwork } from "../../../runtime/sandbox/docker/docker-network.js";
import { inSubnet, ownAddressOn } from "../../../runtime/sandbox/docker/own-address.js";
import { docker } from "./docker-test-runtime.js";

const nic = (address: string, internal = false) => ({
  address,
  netmask: "255.255.0.0",
  family: "IPv4" as const,
  mac: "02:42:ac:11:00:02",
  internal,
  cidr: `${address}/16`,
});

describe("inSubnet", () => {
  it("tells addresses inside an IPv4 CIDR from those outside", () => {
    expect(inSubnet("172.31.240.7", "172.31.240.0/24")).toBe(true);
    expect(inSubnet("172.31.241.7", "172.31.240.0/24")).toBe(false);
    expect(inSubnet("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(inSubnet("11.0.0.0", "10.0.0.0/8")).toBe(false);
    expect(inSubnet("192.168.5.5", "0.0.0.0/0")).toBe(true);
    expect(inSubnet("172.18.0.1", "172.18.0.1/32")).toBe(true);
  });

  it("is false for what is not an IPv4 address or subnet", () => {
    expect(inSubnet("fe80::1", "172.18.0.0/16")).toBe(false);
    expect(inSubnet("172.18.0.2", "172.18.0.0")).toBe(false);
    expect(inSubnet("172.18.0.2", "172.18.0.0/33")).toBe(false);
    expect(inSubnet("300.18.0.2", "172.18.0.0/16")).toBe(false);
  });
});

describe("ownAddressOn", () => {
  const network = { gateway: "172.31.240.1", subnet: "172.31.240.0/24" };

  it("is the gateway on the engine's host, which has the gateway's address on the bridge", () => {
    const host = { lo: [nic("127.0.0.1", true)], eth0: [nic("10.0.0.5")], "br-1": [nic("172.31.240.1")] };
    expect(ownAddressOn(network, host)).toBe("172.31.240.1");
  });

  it("is this container's own address on the network when it runs attached to it", () => {
    const container = { lo: [nic("127.0.0.1", true)], eth0: [nic("172.31.240.7")] };
    expect(ownAddressOn(network, container)).toBe("172.31.240.7");
  });

  it("picks the interface on that network among several", () => {
    const twoNetworks = { eth0: [nic("172.20.0.3")], eth1: [nic("172.31.240.9")] };
    expect(ownAddressOn(network, twoNetworks)).toBe("172.31.240.9");
  });

  it("is the gateway when nothing here is on the network (an engine elsewhere, DOCKER_HOST)", () => {
    expect(ownAddressOn(network, { eth0: [nic("10.0.0.5")] })).toBe("172.31.240.1");
    expect(ownAddressOn({ gateway: "172.31.240.1" }, { eth0: [nic("172.31.240.7")] })).toBe("172.31.240.1");
  });

  it("on this host, for Lambkin's real network, is that network's gateway", async () => {
    const real = await resolveNetwork(docker, undefined);
    expect(real.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(ownAddressOn(real, networkInterfaces())).toBe(real.gateway);
  });
});
