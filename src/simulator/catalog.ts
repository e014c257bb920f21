import { DEFAULT_RATE_TABLE } from '../events/currency.js';
import { Discrete, Rng, zipfWeights } from './random.js';
import type { Device } from '../events/types.js';

/**
 * The world the simulated users live in: countries with their currencies, devices, a product catalogue with
 * categories and prices, content pages, and custom event names. Built from the seed, so a seed fixes the
 * catalogue as well as the traffic.
 */

export interface Country {
  code: string;
  currency: string;
  /** Share of users living there. */
  weight: number;
}

/** Shares loosely follow the traffic of an English-language shop with European and Asian customers. */
export const COUNTRIES: readonly Country[] = [
  { code: 'US', currency: 'USD', weight: 34 },
  { code: 'GB', currency: 'GBP', weight: 11 },
  { code: 'DE', currency: 'EUR', weight: 10 },
  { code: 'FR', currency: 'EUR', weight: 8 },
  { code: 'IN', currency: 'INR', weight: 7 },
  { code: 'CA', currency: 'CAD', weight: 5 },
  { code: 'JP', currency: 'JPY', weight: 5 },
  { code: 'BR', currency: 'BRL', weight: 5 },
  { code: 'AU', currency: 'AUD', weight: 4 },
  { code: 'ES', currency: 'EUR', weight: 4 },
  { code: 'IT', currency: 'EUR', weight: 4 },
  { code: 'NL', currency: 'EUR', weight: 3 },
];

/**
 * Fixed conversion from the USD list price (a simulation, not a market feed): the default rate table of
 * the reports, so a report in USD gives back the list prices.
 */
export const USD_RATES: Readonly<Record<string, number>> = DEFAULT_RATE_TABLE.rates;

/** Currencies quoted without minor units. */
const ZERO_DECIMALS = new Set(['JPY']);

export function convertPrice(usd: number, currency: string): number {
  const v = usd * USD_RATES[currency];
  return ZERO_DECIMALS.has(currency) ? Math.round(v) : Math.round(v * 100) / 100;
}

export const DEVICES: readonly Device[] = ['desktop', 'mobile', 'tablet'];
export const DEVICE_WEIGHTS = [45, 45, 10];

export interface Category {
  name: string;
  /** Share of the catalogue. */
  weight: number;
  /** Median list price in USD and its log-normal spread. */
  medianUsd: number;
  sigma: number;
}

export const CATEGORIES: readonly Category[] = [
  { name: 'electronics', weight: 18, medianUsd: 249, sigma: 0.9 },
  { name: 'clothing', weight: 20, medianUsd: 39, sigma: 0.6 },
  { name: 'home', weight: 14, medianUsd: 59, sigma: 0.8 },
  { name: 'books', weight: 14, medianUsd: 16, sigma: 0.4 },
  { name: 'sports', weight: 10, medianUsd: 69, sigma: 0.8 },
  { name: 'beauty', weight: 10, medianUsd: 24, sigma: 0.5 },
  { name: 'toys', weight: 8, medianUsd: 29, sigma: 0.6 },
  { name: 'grocery', weight: 6, medianUsd: 9, sigma: 0.5 },
];

export interface Product {
  id: string;
  category: string;
  priceUsd: number;
}

export interface Page {
  url: string;
  title: string;
  category: string;
}

const CONTENT_SECTIONS = ['home', 'blog', 'guides', 'deals', 'help', 'about', 'news', 'reviews'];
const CONTENT_SECTION_WEIGHTS = [30, 20, 15, 15, 8, 2, 5, 5];

export const CUSTOM_EVENTS: readonly { name: string; properties: (rng: Rng) => Record<string, string> }[] = [
  {
    name: 'search',
    properties: (r) => ({ query_terms: String(r.range(1, 4)), results: String(r.range(0, 60)) }),
  },
  {
    name: 'video_play',
    properties: (r) => ({ video_id: `v${r.int(40)}`, autoplay: r.chance(0.3) ? 'true' : 'false' }),
  },
  { name: 'scroll_depth', properties: (r) => ({ percent: String(25 * r.range(1, 4)) }) },
  { name: 'newsletter_subscribe', properties: (r) => ({ source: r.pick(['footer', 'popup', 'article']) }) },
  { name: 'share', properties: (r) => ({ network: r.pick(['x', 'facebook', 'linkedin', 'email']) }) },
];
export const CUSTOM_EVENT_WEIGHTS = [40, 20, 25, 5, 10];

export interface Catalog {
  products: Product[];
  /** Product popularity: Zipf over the catalogue. */
  productPopularity: Discrete<number>;
  /** Indices of the most popular products (EventFlow's "popular products"). */
  popular: number[];
  /** Products of each category, most popular first, with a Zipf law within the category. */
  byCategory: Map<string, Discrete<number>>;
  pages: Page[];
  pagePopularity: Discrete<number>;
  countries: Discrete<Country>;
  devices: Discrete<Device>;
  customEvents: Discrete<number>;
}

export interface CatalogOptions {
  products: number;
  pages: number;
  popularProducts: number;
  productZipf: number;
  pageZipf: number;
}

export function buildCatalog(rng: Rng, o: CatalogOptions): Catalog {
  const categories = new Discrete(
    CATEGORIES,
    CATEGORIES.map((c) => c.weight),
  );
  const products: Product[] = [];
  const byCategory = new Map<string, number[]>(CATEGORIES.map((c) => [c.name, []]));
  for (let i = 0; i < o.products; i++) {
    const c = categories.sample(rng);
    // Shop prices end in .99.
    const price = Math.floor(rng.logNormal(c.medianUsd, c.sigma)) + 0.99;
    products.push({ id: `p${i + 1}`, category: c.name, priceUsd: price });
    byCategory.get(c.name)!.push(i);
  }
  const sections = new Discrete(CONTENT_SECTIONS, CONTENT_SECTION_WEIGHTS);
  const pages: Page[] = [{ url: '/', title: 'Home', category: 'home' }];
  for (let i = 1; i < o.pages; i++) {
    const section = sections.sample(rng);
    pages.push({
      url: `/${section}/${i}`,
      title: `${section[0].toUpperCase()}${section.slice(1)} ${i}`,
      category: section,
    });
  }
  const indices = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    products,
    productPopularity: new Discrete(indices(o.products), zipfWeights(o.products, o.productZipf)),
    popular: indices(Math.min(o.popularProducts, o.products)),
    byCategory: new Map(
      [...byCategory]
        .filter(([, xs]) => xs.length > 0)
        .map(([c, xs]) => [c, new Discrete(xs, zipfWeights(xs.length, o.productZipf))]),
    ),
    pages,
    pagePopularity: new Discrete(indices(o.pages), zipfWeights(o.pages, o.pageZipf)),
    countries: new Discrete(
      COUNTRIES,
      COUNTRIES.map((c) => c.weight),
    ),
    devices: new Discrete(DEVICES, DEVICE_WEIGHTS),
    customEvents: new Discrete(indices(CUSTOM_EVENTS.length), CUSTOM_EVENT_WEIGHTS),
  };
}

export function currencyOf(country: string): string {
  return COUNTRIES.find((c) => c.code === country)?.currency ?? 'USD';
}
