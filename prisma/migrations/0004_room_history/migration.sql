-- History the server keeps (issue 15): versions of each room's document.
-- CreateTable
CREATE TABLE "RoomVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "roomId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" TEXT NOT NULL,
    "byUserId" TEXT,
    "restoredFrom" INTEGER,
    "state" BLOB NOT NULL,
    "strokeCount" INTEGER NOT NULL,
    "changes" TEXT NOT NULL,
    CONSTRAINT "RoomVersion_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RoomVersion_roomId_id_idx" ON "RoomVersion"("roomId", "id");

-- Gallery privacy: scenes saved before this stay listed (they were public already).
ALTER TABLE "Scene" ADD COLUMN "listed" BOOLEAN NOT NULL DEFAULT true;
DROP INDEX "Scene_createdAt_idx";
CREATE INDEX "Scene_listed_createdAt_idx" ON "Scene"("listed", "createdAt");
