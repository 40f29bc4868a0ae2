// Decodes the form bodies and query strings the `stripe` library sends: `a[b][0][c]=v`, indexed arrays.

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

const splitKey = (key: string): string[] => {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  for (const match of key.slice(first).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? '');
  return parts;
};

const toArrays = (value: FormValue): FormValue => {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, toArrays(value[k] as FormValue)] as const);
  // `expand[]` and `items[0]` both decode to arrays.
  if (keys.length > 0 && keys.every((k) => /^\d*$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
};

/** Parses `application/x-www-form-urlencoded` with bracket notation into nested objects and arrays. */
export const parseForm = (body: string): FormObject => {
  const root: FormObject = {};
  let counter = 0;
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = splitKey(rawKey);
    let node: FormObject = root;
    path.forEach((segment, index) => {
      const key = segment === '' ? String(counter++) : segment;
      if (index === path.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (next === undefined || typeof next === 'string' || Array.isArray(next)) node[key] = {};
      node = node[key] as FormObject;
    });
  }
  return toArrays(root) as FormObject;
};
