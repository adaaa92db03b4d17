/**
 * timing.js — small helpers for rate-limiting callbacks and awaiting with a deadline.
 * Works in browsers and in Node.js ≥ 18 (CommonJS export at the bottom).
 */
'use strict';

/**
 * Delay calls to `fn` until `waitMs` have passed without a new call.
 * The returned function has `.cancel()` and `.flush()`.
 */
function debounce(fn, waitMs = 200, { leading = false } = {}) {
  let timer = null;
  let lastArgs = null;
  let lastThis = null;

  function invoke() {
    const args = lastArgs;
    const self = lastThis;
    lastArgs = lastThis = null;
    return fn.apply(self, args);
  }

  function debounced(...args) {
    const callNow = leading && timer === null;
    lastArgs = args;
    lastThis = this;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!leading && lastArgs) invoke();
    }, waitMs);
    if (callNow) return invoke();
    return undefined;
  }

  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
    lastArgs = lastThis = null;
  };
  debounced.flush = () => {
    if (timer !== null && lastArgs) {
      clearTimeout(timer);
      timer = null;
      return invoke();
    }
    return undefined;
  };
  return debounced;
}

/** Call `fn` at most once per `intervalMs`; the last call in a window is not lost. */
function throttle(fn, intervalMs = 100) {
  let last = 0;
  let pending = null;
  return function throttled(...args) {
    const now = Date.now();
    const remaining = intervalMs - (now - last);
    if (remaining <= 0) {
      last = now;
      fn.apply(this, args);
    } else if (!pending) {
      pending = setTimeout(() => {
        pending = null;
        last = Date.now();
        fn.apply(this, args);
      }, remaining);
    }
  };
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const id = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(id);
        reject(signal.reason ?? new Error('aborted'));
      },
      { once: true },
    );
  });

class TimeoutError extends Error {
  constructor(ms, label = 'operation') {
    super(`${label} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
    this.ms = ms;
  }
}

/** Resolve with `promise`, or reject with a TimeoutError after `ms` milliseconds. */
async function withTimeout(promise, ms, label) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms, label)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Map over `items` with at most `limit` promises in flight; keeps input order. */
async function mapLimit(items, limit, mapper) {
  const results = new Array(items.length);
  let cursor = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (cursor < items.length) {
      const index = cursor++;
      results[index] = await mapper(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

if (typeof module !== 'undefined' && module.exports) {
  module.exports = { debounce, throttle, sleep, withTimeout, mapLimit, TimeoutError };
}

if (typeof require !== 'undefined' && require.main === module) {
  (async () => {
    const greetings = ['bonjour', 'grüß dich', '你好', 'hola'];
    const shouted = await mapLimit(greetings, 2, async (word, i) => {
      await sleep(10 * (greetings.length - i));
      return word.toUpperCase();
    });
    console.log(shouted.join(' · '));
    try {
      await withTimeout(sleep(50), 5, 'slow lookup');
    } catch (err) {
      console.log(`${err.name}: ${err.message}`);
    }
  })();
}
