// eventBus.ts — a typed publish/subscribe bus. The event map is a type parameter, so
// `bus.emit("cart:add", { sku: 42 })` fails to compile when the payload is wrong.

type Handler<P> = (payload: P) => void | Promise<void>;

export interface Subscription {
  unsubscribe(): void;
}

export interface BusOptions {
  /** Called when a handler throws or rejects; defaults to console.error. */
  onError?: (event: string, error: unknown) => void;
  /** Warn when one event has more handlers than this (a likely leak). */
  maxHandlersPerEvent?: number;
}

export class EventBus<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<Handler<any>>>();
  private readonly onError: (event: string, error: unknown) => void;
  private readonly maxHandlers: number;

  constructor({ onError, maxHandlersPerEvent = 25 }: BusOptions = {}) {
    this.onError = onError ?? ((event, error) => console.error(`[bus] ${event}:`, error));
    this.maxHandlers = maxHandlersPerEvent;
  }

  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): Subscription {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
    if (set.size > this.maxHandlers) {
      console.warn(`[bus] ${String(event)} has ${set.size} handlers — forgotten unsubscribe?`);
    }
    return { unsubscribe: () => void set!.delete(handler) };
  }

  once<K extends keyof Events>(event: K, handler: Handler<Events[K]>): Subscription {
    const sub = this.on(event, (payload) => {
      sub.unsubscribe();
      return handler(payload);
    });
    return sub;
  }

  /** Deliver to every handler; resolves when async handlers have settled. */
  async emit<K extends keyof Events>(event: K, payload: Events[K]): Promise<number> {
    const set = this.handlers.get(event);
    if (!set || set.size === 0) return 0;
    const settled = await Promise.allSettled(
      [...set].map(async (h) => {
        await h(payload);
      }),
    );
    for (const outcome of settled) {
      if (outcome.status === "rejected") this.onError(String(event), outcome.reason);
    }
    return set.size;
  }

  waitFor<K extends keyof Events>(event: K, timeoutMs = 5_000): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new Error(`timed out waiting for "${String(event)}"`));
      }, timeoutMs);
      const sub = this.once(event, (payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
  }

  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.handlers.get(event)?.size ?? 0;
    let total = 0;
    for (const set of this.handlers.values()) total += set.size;
    return total;
  }
}

// --- example -------------------------------------------------------------------------------

interface ShopEvents {
  "cart:add": { sku: string; quantity: number; unitPrice: number };
  "cart:clear": undefined;
  "checkout:done": { orderId: string; totalCents: number; currency: "EUR" | "USD" | "CNY" };
  [key: string]: unknown;
}

export async function demo(): Promise<void> {
  const bus = new EventBus<ShopEvents>();
  const lines: string[] = [];

  bus.on("cart:add", ({ sku, quantity }) => {
    lines.push(`${quantity} × ${sku}`);
  });
  bus.once("checkout:done", async ({ orderId, totalCents, currency }) => {
    const amount = new Intl.NumberFormat("de-DE", { style: "currency", currency }).format(
      totalCents / 100,
    );
    console.log(`Bestellung ${orderId}: ${amount} — vielen Dank! 🎉`);
  });

  await bus.emit("cart:add", { sku: "MUG-BLUE", quantity: 2, unitPrice: 899 });
  await bus.emit("cart:add", { sku: "TEA-苦丁", quantity: 1, unitPrice: 1250 });
  await bus.emit("checkout:done", { orderId: "A-1007", totalCents: 3048, currency: "EUR" });
  console.log(lines.join(", "), "| handlers left:", bus.listenerCount());
}
