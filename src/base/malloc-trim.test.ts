import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { libcFunction } from './libc.js';
import { startMallocTrim } from './malloc-trim.js';

const anonKb = (): number => Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

test('freed malloc memory goes back to the kernel at the next trim, and not before', async () => {
  const malloc = libcFunction('void *malloc(size_t size)');
  const free = libcFunction('void free(void *ptr)');
  const memset = libcFunction('void *memset(void *s, int c, size_t n)');
  // 64 MB in chunks below malloc's mmap threshold, touched so they are resident; all freed but
  // the last, which pins the top of the heap: malloc alone then gives none of it back.
  const chunk = 32 << 10;
  const ptrs = Array.from({ length: 2048 }, () => {
    const p = malloc(chunk);
    memset(p, 1, chunk);
    return p;
  });
  for (const p of ptrs.slice(0, -1)) free(p);
  const held = anonKb();
  await sleep(200);
  assert.ok(anonKb() > held - (16 << 10), 'malloc gave the memory back by itself: this test proves nothing');

  const stop = startMallocTrim(50, (err) => assert.fail(err));
  try {
    let released = 0;
    for (let i = 0; i < 40 && released < 48 << 10; i++) {
      await sleep(50);
      released = held - anonKb();
    }
    assert.ok(released >= 48 << 10, `only ${released} kB of 64 MB freed went back to the kernel`);
  } finally {
    stop();
    free(ptrs.at(-1));
  }
});
