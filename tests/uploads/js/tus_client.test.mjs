// Real tus-js-client 4.3.1 (Node build) against the Python upload server on 127.0.0.1.
// Run: node --test tests/uploads/js/   (starts the server itself via .venv/bin/python)
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Upload } from 'tus-js-client'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
let server
let info

before(async () => {
  server = spawn(path.join(root, '.venv/bin/python'), ['-m', 'tests.uploads.serve_for_js'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: server.stdout })
  info = JSON.parse(await new Promise((resolve) => lines.once('line', resolve)))
})

after(() => {
  server.stdin.end()
})

// A valid PNG with random pixels, so every test file has its own hash.
async function pngBytes (width = 200, height = 150) {
  const py = spawn(path.join(root, '.venv/bin/python'), ['-c', `
import io, sys
from PIL import Image
im = Image.frombytes("RGB", (${width}, ${height}), sys.stdin.buffer.read())
buf = io.BytesIO(); im.save(buf, format="PNG"); sys.stdout.buffer.write(buf.getvalue())`])
  py.stdin.end(randomBytes(width * height * 3))
  const chunks = []
  for await (const chunk of py.stdout) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

// How the field app uploads: the upload URL and fingerprint are the file's SHA-256.
function send (buf, { chunkSize = 64 * 1024, log = [], onChunk, base = info.url } = {}) {
  const sha = sha256(buf)
  return new Promise((resolve, reject) => {
    const upload = new Upload(buf, {
      endpoint: `${base}/api/uploads/`,
      uploadUrl: `${base}/api/uploads/${sha}`,
      fingerprint: async () => `sha256:${sha}`,
      headers: { Authorization: `Bearer ${info.token}` },
      metadata: {
        sha256: sha, filename: 'ktp.png', filetype: 'image/png',
        record_id: '0190f0c2-aaaa-7bbb-8ccc-123456789abc', kind: 'ktp',
      },
      chunkSize,
      uploadDataDuringCreation: true,
      retryDelays: [0, 0, 0, 100, 300],
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (req) => { log.push([req.getMethod(), req.getHeader('Upload-Offset') ?? null]) },
      onChunkComplete: (size, accepted) => { if (onChunk) onChunk(upload, accepted) },
      onError: reject,
      onSuccess: () => resolve({ upload, sha }),
    })
    upload.start()
  })
}

const blobPath = (sha) => path.join(info.media, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha)

test('a new file: HEAD 404, then creation-with-upload and PATCHes; stored bytes match', async () => {
  const buf = await pngBytes()
  const log = []
  const { sha } = await send(buf, { log })
  assert.deepEqual(log[0], ['HEAD', null])
  assert.equal(log[1][0], 'POST')
  assert.ok(log.slice(2).every(([method]) => method === 'PATCH'))
  assert.equal(log.length, 1 + Math.ceil(buf.length / (64 * 1024)))
  assert.deepEqual(await readFile(blobPath(sha)), buf)
})

test('a file the server already has completes on HEAD alone, sending no bytes', async () => {
  const buf = await pngBytes()
  await send(buf)
  const log = []
  let progressed = 0
  await send(buf, { log, onChunk: () => { progressed++ } })
  assert.deepEqual(log, [['HEAD', null]])
  assert.equal(progressed, 0)
})

test('an interrupted upload resumes from the offset HEAD reports', async () => {
  const buf = await pngBytes()
  const first = []
  // abort once the first chunk is accepted (the upload's promise then never settles)
  await new Promise((resolve, reject) => {
    send(buf, {
      chunkSize: 32 * 1024,
      log: first,
      onChunk: (upload) => { upload.abort(); resolve() },
    }).catch(reject)
  })
  assert.deepEqual(first.map(([m]) => m), ['HEAD', 'POST'])
  const log = []
  const { sha } = await send(buf, { chunkSize: 32 * 1024, log })
  assert.deepEqual(log[0], ['HEAD', null])
  assert.deepEqual(log[1], ['PATCH', String(32 * 1024)])
  assert.deepEqual(await readFile(blobPath(sha)), buf)
})

test('a link that drops every 100 KB, inside chunks: each retry resumes at the HEAD offset', async () => {
  const buf = await pngBytes(400, 300)
  assert.ok(buf.length > 300 * 1024)
  const log = []
  const { sha } = await send(buf, { chunkSize: 256 * 1024, log, base: info.cut_url })
  assert.deepEqual(await readFile(blobPath(sha)), buf)
  const heads = log.filter(([method]) => method === 'HEAD').length
  assert.ok(heads >= 3, `expected a HEAD after each cut, saw ${JSON.stringify(log)}`)
  // every PATCH starts where the server's data ends (the HEAD offset), never earlier: the
  // bytes that got through before a cut are not sent again
  const offsets = log.filter(([method]) => method === 'PATCH').map(([, offset]) => Number(offset))
  assert.ok(offsets.length >= 3)
  for (let i = 1; i < offsets.length; i++) assert.ok(offsets[i] >= offsets[i - 1], String(offsets))
  assert.ok(offsets.filter((o, i) => i > 0 && o > offsets[i - 1] && o % (256 * 1024) !== 0).length >= 2,
    `cuts should fall inside chunks: ${offsets}`)
})
