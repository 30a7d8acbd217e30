// A client written the way PicWish's published JavaScript examples are: fetch, FormData,
// the X-API-KEY header, a poll every second while the task is processing. It reads only
// fields named in PicWish's documents (status, data.task_id, data.state, data.progress,
// data.image / data.image_url) and knows nothing of this project. Node 18+ (global fetch).
//
//   node picwish_example.mjs BASE_URL KEY async IMAGE OUT
//   node picwish_example.mjs BASE_URL KEY sync-base64 IMAGE OUT
//   node picwish_example.mjs BASE_URL KEY expect-failure FILE
import { readFile, writeFile } from "node:fs/promises";

const [baseUrl, apiKey, mode, imagePath, outPath] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function createTask(fields) {
  const form = new FormData();
  const bytes = await readFile(imagePath);
  form.append("image_file", new Blob([bytes]), "photo.jpg");
  form.append("restoration_type", "1");
  form.append("model_type", "1");
  form.append("change_color", "0");
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  const response = await fetch(`${baseUrl}/api/tasks/visual/restoration-old-photo`, {
    method: "POST",
    headers: { "X-API-KEY": apiKey },
    body: form,
  });
  if (!response.ok) throw new Error(`create failed: HTTP ${response.status}`);
  const result = await response.json();
  if (result.status !== 200) throw new Error(`create failed: ${JSON.stringify(result)}`);
  return result.data;
}

async function pollTask(taskId) {
  let polls = 0;
  for (let i = 0; i < 180; i++) {
    await sleep(1000);
    const response = await fetch(`${baseUrl}/api/tasks/visual/restoration-old-photo/${taskId}`, {
      headers: { "X-API-KEY": apiKey },
    });
    polls++;
    if (!response.ok) throw new Error(`poll failed: HTTP ${response.status}`);
    const result = await response.json();
    const data = result.data;
    // as several tutorial clients do: keep polling only while processing, or before it
    if (data.state === 4 || data.state === 2 || data.state === 3 || data.state === 0) continue;
    return { data, polls };
  }
  throw new Error("task did not finish in time");
}

const report = { mode };
let ok = false;
if (mode === "async") {
  const created = await createTask({ sync: 0 });
  report.task_id = created.task_id;
  const { data, polls } = await pollTask(created.task_id);
  Object.assign(report, { state: data.state, progress: data.progress, polls });
  const image = data.image_url || data.image;
  report.image_is_url = image.startsWith("http");
  const download = await fetch(image); // no key
  report.download_status = download.status;
  const bytes = Buffer.from(await download.arrayBuffer());
  await writeFile(outPath, bytes);
  ok = data.state === 1 && download.status === 200 && bytes.length > 0;
} else if (mode === "sync-base64") {
  const data = await createTask({ sync: 1, return_type: 2 });
  Object.assign(report, { state: data.state, progress: data.progress });
  const image = data.image || data.image_url;
  report.image_is_url = image.startsWith("http");
  const bytes = Buffer.from(image, "base64");
  await writeFile(outPath, bytes);
  ok = data.state === 1 && bytes.length > 0;
} else if (mode === "expect-failure") {
  const created = await createTask({ sync: 0 });
  const { data, polls } = await pollTask(created.task_id);
  Object.assign(report, { state: data.state, polls });
  ok = data.state < 0;
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(report));
process.exit(ok ? 0 : 1);
