-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "avatarFileId" UUID,
    "locale" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL,
    "role" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "mfaEnabled" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "lastLoginAt" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_accounts" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "normalisedEmail" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "passwordHash" TEXT,
    "status" TEXT NOT NULL,
    "emailVerified" BOOLEAN NOT NULL,
    "role" TEXT NOT NULL,
    "tier" TEXT NOT NULL,

    CONSTRAINT "login_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_tokens" (
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),

    CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_createdAt_id_idx" ON "users"("createdAt", "id");

-- CreateIndex
CREATE INDEX "users_role_idx" ON "users"("role");

-- CreateIndex
CREATE INDEX "users_tier_idx" ON "users"("tier");

-- CreateIndex
CREATE INDEX "users_status_idx" ON "users"("status");

-- CreateIndex
CREATE UNIQUE INDEX "login_accounts_normalisedEmail_key" ON "login_accounts"("normalisedEmail");

-- CreateIndex
CREATE INDEX "account_tokens_userId_idx" ON "account_tokens"("userId");
