// A single-page app: the engine serves index.html for every page, the browser does the rest.
export const ssr = false;
export const prerender = false;
