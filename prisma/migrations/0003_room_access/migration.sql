-- Owners, roles and share links (issue 15). Existing rooms get no owner: they stay open for
-- editing until someone claims them (README, "Access").
ALTER TABLE "Room" ADD COLUMN "ownerId" TEXT;
ALTER TABLE "Room" ADD COLUMN "private" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "RoomLink" (
    "roomId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("roomId", "kind"),
    CONSTRAINT "RoomLink_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoomMember" (
    "roomId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("roomId", "userId"),
    CONSTRAINT "RoomMember_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "RoomLink_secret_key" ON "RoomLink"("secret");
