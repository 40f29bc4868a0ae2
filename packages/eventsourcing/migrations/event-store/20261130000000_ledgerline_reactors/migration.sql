-- Reactors (kernel ReactorRunner) park the events their effect cannot apply as dead letters too.
ALTER TABLE "dead_letters" DROP CONSTRAINT IF EXISTS "dead_letters_source_kind_check";
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_source_kind_check"
  CHECK ("source_kind" IN ('projection', 'consumer', 'relay', 'saga', 'reactor'));
