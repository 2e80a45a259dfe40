// A real Mem0 app for memshift's end-to-end tests: Mem0's own TypeScript SDK (npm mem0ai, its OSS Memory class)
// with its Elasticsearch store, embedding through an OpenAI-compatible endpoint (memshift serve).
//
//   node mem0-app.mjs write <request.json>   adds memories (infer: false), optionally links their entities
//   node mem0-app.mjs check <request.json>   reads them back through Mem0's API (get, search, getAll, entities),
//                                            then optionally updates, deletes and adds, and reads those back
//
// Every request names the store and the embedder:
//   {"elasticsearch": "http://127.0.0.1:9200", "collection": "mem0_a",
//    "embedder": {"baseURL": "http://127.0.0.1:8788/v1", "model": "onnx:all-minilm-l6-v2", "dims": 384}}
// The answer is one JSON object on stdout (facts, not verdicts: the Java test asserts). Anything else Mem0 prints
// goes to stderr. A failure prints {"error": ...} and exits 1.

import fs from "node:fs";

// Mem0 prints notices with console.log: stdout carries only the answer.
const answer = (object) => process.stdout.write(JSON.stringify(object) + "\n");
console.log = console.info = console.debug = (...args) => console.error(...args);
// Read once when Mem0's module loads: set before the import. There is no network for telemetry anyway.
process.env.MEM0_TELEMETRY = "false";

const { Memory } = await import("mem0ai/oss");
// Mem0 3.x wants @elastic/elasticsearch 9, which refuses an 8.x server; an 8.x client is installed as "es8"
// and handed to Mem0 ready-made.
const { Client } = (await import("es8")).default;

const SCOPES = [["userId", "user_id"], ["agentId", "agent_id"], ["runId", "run_id"]];

function open(request) {
  for (const field of ["elasticsearch", "collection", "embedder"]) {
    if (!request[field]) throw new Error(`the request has no '${field}'`);
  }
  const client = new Client({ node: request.elasticsearch });
  const memory = new Memory({
    version: "v1.1",
    embedder: {
      provider: "openai",
      config: { apiKey: "unused", baseURL: request.embedder.baseURL, model: request.embedder.model },
    },
    vectorStore: {
      provider: "elasticsearch",
      config: {
        client,
        collectionName: request.collection,
        embeddingModelDims: request.embedder.dims,
        dimension: request.embedder.dims,
      },
    },
    // Required by the config, never called: every add here is infer: false.
    llm: { provider: "openai", config: { apiKey: "unused", baseURL: "http://127.0.0.1:9/v1", model: "unused" } },
    // The default history store needs better-sqlite3's native binary; Mem0 works the same without it.
    disableHistory: true,
  });
  return { client, memory };
}

/** Mem0's scope options for add ({userId, ...}) and its filters ({user_id, ...}) from a memory of the request. */
function scopeOf(item) {
  const options = {};
  const filters = {};
  for (const [option, filter] of SCOPES) {
    const value = item[option] ?? item[filter];
    if (value) {
      options[option] = value;
      filters[filter] = value;
    }
  }
  if (Object.keys(filters).length === 0) throw new Error(`memory ${JSON.stringify(item)} has no userId, agentId or runId`);
  return { options, filters };
}

/** Makes what Mem0 wrote searchable now (its indices refresh every second): the test's doing, not Mem0's. */
async function refresh(client, collection) {
  await client.indices.refresh({ index: [collection, `${collection}_entities`], ignore_unavailable: true, allow_no_indices: true });
}

/** The entity records of one scope, as Mem0's entity store (`<collection>_entities`) lists them. */
async function entitiesOf(memory, filters) {
  const store = await memory.getEntityStore();
  const [rows] = await store.list(filters, 10000);
  return rows.map((row) => ({ id: row.id, ...row.payload }));
}

async function write(request) {
  const { client, memory } = open(request);
  const ids = [];
  const scopes = new Map();
  for (const item of request.memories ?? []) {
    const { options, filters } = scopeOf(item);
    const added = await memory.add(item.text, { ...options, metadata: item.metadata ?? {}, infer: false });
    if (added.results.length !== 1) {
      throw new Error(`Mem0 added ${added.results.length} memories for ${JSON.stringify(item.text)}`);
    }
    const id = added.results[0].id;
    if (item.linkEntities) {
      // What Mem0's inferring add does for each memory it extracts; add(infer: false) skips it.
      await memory._linkEntitiesForMemory(id, item.text, filters);
      scopes.set(JSON.stringify(filters), filters);
    }
    ids.push(id);
  }
  await refresh(client, request.collection);
  // Mem0 ignores the item errors of its bulk writes: read back what it says it wrote.
  const lost = [];
  for (const id of ids) {
    if ((await memory.get(id)) === null) lost.push(id);
  }
  const entities = [];
  for (const filters of scopes.values()) entities.push(...(await entitiesOf(memory, filters)));
  await client.close();
  return { ids, lost, entities };
}

async function searchTop(memory, text, filters, topK = 5) {
  const found = await memory.search(text, { filters, topK });
  return found.results.map((hit) => ({ id: hit.id, score: hit.score, memory: hit.memory }));
}

async function getAllOf(memory, filters, topK) {
  const all = await memory.getAll({ filters, topK });
  return all.results.map((item) => ({ id: item.id, memory: item.memory }));
}

async function check(request) {
  const { client, memory } = open(request);
  const memories = request.memories ?? [];
  const report = { get: [], search: [], getAll: [], absent: [], entities: [] };
  // Each memory: get is verbatim, and its own text finds it first.
  for (const item of memories) {
    const { filters } = scopeOf(item);
    const got = await memory.get(item.id);
    report.get.push({ id: item.id, found: got !== null, memory: got?.memory ?? null, item: got });
    const top = await searchTop(memory, item.text, filters);
    report.search.push({ id: item.id, rank1: top.length > 0 && top[0].id === item.id, top: top.slice(0, 3) });
  }
  // getAll per scope, as many as Mem0 lets one ask for (its list asks Elasticsearch for 4 x topK hits).
  const scopes = new Map();
  for (const item of [...memories, ...(request.scopes ?? [])]) {
    const { filters } = scopeOf(item);
    scopes.set(JSON.stringify(filters), filters);
  }
  for (const filters of scopes.values()) {
    report.getAll.push({ filters, memories: await getAllOf(memory, filters, request.getAllTopK ?? 2500) });
  }
  // Memories that must not exist (deleted upstream): null to get, and in no getAll.
  for (const id of request.absent ?? []) {
    const got = await memory.get(id);
    const listed = report.getAll.some((scope) => scope.memories.some((m) => m.id === id));
    report.absent.push({ id, get: got, inGetAll: listed });
  }
  // Entities: present in <collection>_entities with their links, and found by their own text.
  for (const entity of request.entities ?? []) {
    const { filters } = scopeOf(entity);
    const rows = await entitiesOf(memory, filters);
    const row = rows.find((r) => r.data === entity.data) ?? null;
    const store = await memory.getEntityStore();
    const vector = await memory.embedder.embed(entity.data, "search");
    // Mem0's Elasticsearch store asks for num_candidates = 2 x topK: with topK 1 the HNSW walk sees two candidates
    // and may stop at a local optimum (it did, once in CI), in a store Mem0 built as in a migrated one. Ask for 5 and take
    // the first: the question is which entity is nearest, not how Mem0's approximate walk is tuned.
    const hits = await store.search(vector, 5, filters);
    report.entities.push({
      data: entity.data,
      present: row !== null,
      linkedMemoryIds: row?.linkedMemoryIds ?? null,
      entityType: row?.entityType ?? null,
      searchTop: hits.length > 0 ? hits[0].payload?.data ?? null : null,
    });
  }
  if (request.mutate) report.mutations = await mutate(client, memory, request);
  await client.close();
  return report;
}

/** Mem0 writing through the store under test: update, delete and add, each read back. */
async function mutate(client, memory, request) {
  const { update, delete: remove, add } = request.mutate;
  const result = {};
  if (update) {
    const { filters } = scopeOf(update);
    await memory.update(update.id, update.text);
    await refresh(client, request.collection);
    const got = await memory.get(update.id);
    result.update = { id: update.id, memory: got?.memory ?? null, searchTop: await searchTop(memory, update.text, filters) };
  }
  if (remove) {
    const { filters } = scopeOf(remove);
    await memory.delete(remove.id);
    await refresh(client, request.collection);
    const listed = await getAllOf(memory, filters, request.getAllTopK ?? 2500);
    result.delete = { id: remove.id, get: await memory.get(remove.id), inGetAll: listed.some((m) => m.id === remove.id) };
  }
  if (add) {
    const { options, filters } = scopeOf(add);
    const added = await memory.add(add.text, { ...options, metadata: add.metadata ?? {}, infer: false });
    const id = added.results[0]?.id ?? null;
    if (id !== null && add.linkEntities) await memory._linkEntitiesForMemory(id, add.text, filters);
    await refresh(client, request.collection);
    const got = id === null ? null : await memory.get(id);
    const listed = await getAllOf(memory, filters, request.getAllTopK ?? 2500);
    result.add = {
      id,
      memory: got?.memory ?? null,
      inGetAll: listed.some((m) => m.id === id),
      searchTop: await searchTop(memory, add.text, filters),
    };
  }
  return result;
}

const COMMANDS = { write, check };
const [command, file] = process.argv.slice(2);
try {
  if (!COMMANDS[command] || !file) {
    throw new Error(`usage: node mem0-app.mjs ${Object.keys(COMMANDS).join("|")} <request.json>`);
  }
  answer(await COMMANDS[command](JSON.parse(fs.readFileSync(file, "utf8"))));
} catch (error) {
  answer({ error: String(error?.message ?? error), stack: error?.stack ?? null });
  process.exitCode = 1;
}
