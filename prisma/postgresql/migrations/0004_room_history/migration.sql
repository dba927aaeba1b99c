-- DropIndex
DROP INDEX "Scene_createdAt_idx";

-- AlterTable
ALTER TABLE "Scene" ADD COLUMN     "listed" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "RoomVersion" (
    "id" SERIAL NOT NULL,
    "roomId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" TEXT NOT NULL,
    "byUserId" TEXT,
    "restoredFrom" INTEGER,
    "state" BYTEA NOT NULL,
    "strokeCount" INTEGER NOT NULL,
    "changes" TEXT NOT NULL,

    CONSTRAINT "RoomVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RoomVersion_roomId_id_idx" ON "RoomVersion"("roomId", "id");

-- CreateIndex
CREATE INDEX "Scene_listed_createdAt_idx" ON "Scene"("listed", "createdAt");

-- AddForeignKey
ALTER TABLE "RoomVersion" ADD CONSTRAINT "RoomVersion_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room"("id") ON DELETE CASCADE ON UPDATE CASCADE;
