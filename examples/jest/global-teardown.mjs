export default async function globalTeardown() {
  await globalThis.wickrServer?.close();
}
