// The part of autocannon's API (https://github.com/mcollina/autocannon#api) the reload benchmark uses; the
// package ships no types.
declare module "autocannon" {
  interface AutocannonRequest {
    readonly method?: string;
    readonly path?: string;
    onResponse?(status: number, body: string, context: object, headers: Record<string, string>): void;
  }
  interface AutocannonOptions {
    readonly url: string;
    readonly connections?: number;
    readonly duration?: number;
    readonly timeout?: number;
    readonly requests?: readonly AutocannonRequest[];
  }
  interface AutocannonResult {
    readonly requests: { readonly total: number; readonly average: number };
    readonly non2xx: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly "2xx": number;
  }
  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
  export default autocannon;
}
