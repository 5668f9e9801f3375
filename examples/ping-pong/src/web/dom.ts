/**
 * The element with id `id`, checked to be a `type`.
 * @throws `Error` when the page has no such element: the HTML and the script disagree.
 */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return found;
}

/**
 * A new element with attributes (`data-*` and others) and text.
 * @example
 * ```ts
 * el('dd', { 'data-testid': 'rally' }, '0');
 * ```
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}
