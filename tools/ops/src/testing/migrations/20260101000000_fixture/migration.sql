-- Read models of the ops CLI's test manifest (fixtureManifest.ts).
CREATE TABLE "Tally" (
  "id"    TEXT PRIMARY KEY,
  "count" INTEGER NOT NULL
);
CREATE TABLE "Total" (
  "id"  TEXT PRIMARY KEY,
  "sum" INTEGER NOT NULL
);
