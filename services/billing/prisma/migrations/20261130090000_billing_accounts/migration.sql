-- CreateTable
CREATE TABLE "billing_accounts" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "subscriptionId" TEXT,
    "status" TEXT NOT NULL,
    "planId" TEXT,
    "interval" TEXT,
    "tier" TEXT NOT NULL,
    "entitlements" TEXT NOT NULL,
    "currentPeriodEnd" TIMESTAMPTZ(3),
    "cancelAtPeriodEnd" BOOLEAN NOT NULL,
    "trialEnd" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "billing_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "billing_accounts_customerId_key" ON "billing_accounts"("customerId");

-- CreateIndex
CREATE INDEX "billing_accounts_status_id_idx" ON "billing_accounts"("status", "id");

-- CreateIndex
CREATE INDEX "billing_accounts_planId_id_idx" ON "billing_accounts"("planId", "id");
