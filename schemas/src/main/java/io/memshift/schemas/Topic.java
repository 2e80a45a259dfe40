package io.memshift.schemas;

import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic's name bound to the serdes of its keys and values, so that whoever writes or reads it (a producer, a
 * consumer, a topology, a test) cannot pair the name with the wrong serde. Built by {@link Topics}.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    /** A producer configured by {@code props}, with this topic's serializers. */
    public KafkaProducer<K, V> producer(Properties props) {
        return new KafkaProducer<>(props, keySerde.serializer(), valueSerde.serializer());
    }

    /** A consumer configured by {@code props}, with this topic's deserializers. */
    public KafkaConsumer<K, V> consumer(Properties props) {
        return new KafkaConsumer<>(props, keySerde.deserializer(), valueSerde.deserializer());
    }

    /** A record for this topic. */
    public ProducerRecord<K, V> record(K key, V value) {
        return new ProducerRecord<>(name, key, value);
    }

    @Override
    public String toString() {
        return name;
    }
}
