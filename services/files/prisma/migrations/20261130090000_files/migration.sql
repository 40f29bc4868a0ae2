-- CreateTable
CREATE TABLE "files" (
    "id" UUID NOT NULL,
    "ownerId" UUID NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sniffedContentType" TEXT,
    "size" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "purpose" TEXT,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "multipart" BOOLEAN NOT NULL,
    "multipartUploadId" TEXT,
    "partSize" BIGINT,
    "partCount" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "completedAt" TIMESTAMPTZ(3),
    "availableAt" TIMESTAMPTZ(3),
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "storage_usage" (
    "id" UUID NOT NULL,
    "usedBytes" BIGINT NOT NULL,
    "reservedBytes" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "storage_usage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_tiers" (
    "id" UUID NOT NULL,
    "tier" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_tiers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "files_ownerId_createdAt_id_idx" ON "files"("ownerId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "files_createdAt_id_idx" ON "files"("createdAt", "id");

-- CreateIndex
CREATE INDEX "files_status_updatedAt_idx" ON "files"("status", "updatedAt");
