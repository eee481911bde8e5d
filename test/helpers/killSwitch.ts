// A copy of the bot "killed -9" inside the test process: once kill() is called, every call through what the switch
// wrapped (its inbox, its leases, its Bot API fetch, its handler) never returns, exactly as if the process had died
// mid-way. Nothing it started finishes, nothing it holds is released, its timers achieve nothing.
export interface KillSwitch {
  kill(): void;
  readonly dead: boolean;
  /** Resolves at kill(): what the dead copy was waiting for ends with it. */
  readonly died: Promise<void>;
  /** The object, with every method hanging for ever after kill(). */
  wrap<T extends object>(target: T): T;
}

const never = new Promise<never>(() => {});

export function killSwitch(): KillSwitch {
  let dead = false;
  let die!: () => void;
  const died = new Promise<void>((resolve) => (die = resolve));
  return {
    kill: () => {
      dead = true;
      die();
    },
    died,
    get dead() {
      return dead;
    },
    wrap(target) {
      return new Proxy(target, {
        get(obj, prop, receiver) {
          const value = Reflect.get(obj, prop, receiver) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (dead) return never;
            const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
            // An answer that arrives after the kill is never seen either.
            return result instanceof Promise ? result.then((r) => (dead ? never : r)) : result;
          };
        },
      });
    },
  };
}
