/**
 * The sandbox router as the environment pool sees it, with each function's code prepared before its environment
 * starts (typescript-bundler.ts): the sandbox adapters themselves — process and docker — only ever see a handler
 * the Node runtime can load, so both run bundled TypeScript the same way.
 */
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { RunningSandbox, SandboxProvider, SandboxSpec } from "../sandbox/sandbox.js";
import type { TypeScriptBundler } from "./typescript-bundler.js";

export interface ProviderSource {
  providerFor(fn: FunctionDefinition): Promise<SandboxProvider>;
  close(): Promise<void>;
}

export function withBundling(source: ProviderSource, bundler: TypeScriptBundler): ProviderSource {
  const wrapped = new WeakMap<SandboxProvider, SandboxProvider>();
  return {
    async providerFor(fn) {
      const provider = await source.providerFor(fn);
      let bundling = wrapped.get(provider);
      if (!bundling) {
        bundling = bundlingProvider(provider, bundler);
        wrapped.set(provider, bundling);
      }
      return bundling;
    },
    close: () => source.close(),
  };
}

function bundlingProvider(provider: SandboxProvider, bundler: TypeScriptBundler): SandboxProvider {
  return {
    name: provider.name,
    runtimeApiBindHost: provider.runtimeApiBindHost,
    runtimeApiAdvertisedHost: provider.runtimeApiAdvertisedHost,
    async start(spec: SandboxSpec): Promise<RunningSandbox> {
      return provider.start({ ...spec, fn: await bundler.prepare(spec.fn) });
    },
    close: () => provider.close(),
  };
}
