import { Module } from '@nestjs/common';

/**
 * The notifier answers no commands or queries of its own yet: its work arrives over JetStream
 * (see deliveries/deliveryConsumer.ts) and createService adds `notifier.qry.Health`.
 */
@Module({})
export class NotifierModule {}
