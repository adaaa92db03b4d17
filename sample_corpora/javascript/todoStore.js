// todoStore.js — a framework-free store for a to-do list with undo, filters and persistence.
//
// Usage:
//   import { TodoStore } from './todoStore.js';
//   const store = new TodoStore(window.localStorage);
//   store.subscribe((state) => render(state));
//   store.add('Acheter du pain 🥖');

const STORAGE_KEY = 'todo-store/v2';
const MAX_HISTORY = 50;

export const Filter = Object.freeze({
  ALL: 'all',
  ACTIVE: 'active',
  DONE: 'done',
});

let nextId = 1;
const makeId = () => `t${Date.now().toString(36)}-${(nextId++).toString(36)}`;

/**
 * @typedef {Object} Todo
 * @property {string} id
 * @property {string} title
 * @property {boolean} done
 * @property {number} createdAt  milliseconds since the epoch
 * @property {string[]} tags
 */

export class TodoStore {
  #todos = [];
  #filter = Filter.ALL;
  #history = [];
  #listeners = new Set();
  #storage;

  constructor(storage = null) {
    this.#storage = storage;
    this.#load();
  }

  subscribe(listener) {
    this.#listeners.add(listener);
    listener(this.snapshot());
    return () => this.#listeners.delete(listener);
  }

  snapshot() {
    const visible = this.#todos.filter((t) => {
      switch (this.#filter) {
        case Filter.ACTIVE:
          return !t.done;
        case Filter.DONE:
          return t.done;
        default:
          return true;
      }
    });
    return {
      filter: this.#filter,
      visible,
      remaining: this.#todos.filter((t) => !t.done).length,
      total: this.#todos.length,
      canUndo: this.#history.length > 0,
    };
  }

  add(title, tags = []) {
    const clean = String(title).trim().replace(/\s+/g, ' ');
    if (!clean) {
      throw new Error('A to-do needs a title.');
    }
    const hashtags = [...clean.matchAll(/#([\p{L}\p{N}_-]+)/gu)].map((m) => m[1].toLowerCase());
    this.#commit((todos) => [
      ...todos,
      {
        id: makeId(),
        title: clean,
        done: false,
        createdAt: Date.now(),
        tags: [...new Set([...tags, ...hashtags])],
      },
    ]);
  }

  toggle(id) {
    this.#commit((todos) => todos.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));
  }

  rename(id, title) {
    this.#commit((todos) => todos.map((t) => (t.id === id ? { ...t, title: title.trim() } : t)));
  }

  remove(id) {
    this.#commit((todos) => todos.filter((t) => t.id !== id));
  }

  clearDone() {
    this.#commit((todos) => todos.filter((t) => !t.done));
  }

  setFilter(filter) {
    if (!Object.values(Filter).includes(filter)) {
      throw new RangeError(`Unknown filter "${filter}"`);
    }
    this.#filter = filter;
    this.#emit();
  }

  undo() {
    const previous = this.#history.pop();
    if (previous === undefined) return false;
    this.#todos = previous;
    this.#save();
    this.#emit();
    return true;
  }

  byTag() {
    return this.#todos.reduce((groups, todo) => {
      for (const tag of todo.tags.length ? todo.tags : ['(untagged)']) {
        (groups[tag] ??= []).push(todo);
      }
      return groups;
    }, {});
  }

  #commit(update) {
    const next = update(this.#todos);
    if (next === this.#todos) return;
    this.#history.push(this.#todos);
    if (this.#history.length > MAX_HISTORY) this.#history.shift();
    this.#todos = next;
    this.#save();
    this.#emit();
  }

  #emit() {
    const state = this.snapshot();
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (err) {
        console.error('todo listener failed:', err);
      }
    }
  }

  #load() {
    if (!this.#storage) return;
    try {
      const raw = this.#storage.getItem(STORAGE_KEY);
      const parsed = raw ? JSON.parse(raw) : [];
      this.#todos = Array.isArray(parsed) ? parsed : [];
    } catch {
      this.#todos = [];
    }
  }

  #save() {
    this.#storage?.setItem(STORAGE_KEY, JSON.stringify(this.#todos));
  }
}
