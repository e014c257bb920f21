import { MongoClient } from 'mongodb';

/** Every document of the hot store collection, keyed by minute (epoch ms). */
export async function readMinutes(url: string, db: string, collection = 'kpis_1min') {
  const c = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await c.connect();
  try {
    const docs = await c.db(db).collection(collection).find({}).toArray();
    const out = new Map<number, Record<string, unknown>>();
    for (const d of docs) {
      const minute = (d._id as unknown as Date).getTime();
      if (out.has(minute)) throw new Error(`minute ${minute} stored twice`);
      out.set(minute, d as Record<string, unknown>);
    }
    return out;
  } finally {
    await c.close();
  }
}

export async function countMinutes(url: string, db: string, collection = 'kpis_1min'): Promise<number> {
  const c = new MongoClient(url, { serverSelectionTimeoutMS: 2000 });
  try {
    await c.connect();
    return await c.db(db).collection(collection).countDocuments();
  } catch {
    return 0;
  } finally {
    await c.close().catch(() => {});
  }
}

/** A database name of its own per test (the URL's path). */
export const withDb = (url: string, db: string) => `${url.replace(/\/+$/, '')}/${db}`;
