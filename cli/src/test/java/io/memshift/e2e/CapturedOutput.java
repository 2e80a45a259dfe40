package io.memshift.e2e;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * Everything memshift logged (at the levels its own logback.xml writes) and printed while a command ran in this JVM:
 * what the secret-grep tests search for secrets.
 */
record CapturedOutput(Cli.Result result, String text) {

    static CapturedOutput during(Supplier<Cli.Result> run) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger rootLogger = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger kafka = context.getLogger("org.apache.kafka");
        Logger streams = context.getLogger("org.apache.kafka.streams");
        Level rootLevel = rootLogger.getLevel();
        Level kafkaLevel = kafka.getLevel();
        Level streamsLevel = streams.getLevel();
        StringBuilder logged = new StringBuilder();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                synchronized (logged) {
                    logged.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage()).append('\n');
                    if (event.getThrowableProxy() != null) {
                        logged.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
                    }
                }
            }
        };
        appender.setContext(context);
        appender.start();
        rootLogger.addAppender(appender);
        rootLogger.setLevel(Level.INFO);
        kafka.setLevel(Level.WARN);
        streams.setLevel(Level.INFO);
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(printed, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        System.setErr(tee);
        try {
            Cli.Result result = run.get();
            String text;
            synchronized (logged) {
                text = logged + printed.toString(StandardCharsets.UTF_8);
            }
            return new CapturedOutput(result, text);
        } finally {
            System.setOut(out);
            System.setErr(err);
            rootLogger.detachAppender(appender);
            rootLogger.setLevel(rootLevel);
            kafka.setLevel(kafkaLevel);
            streams.setLevel(streamsLevel);
        }
    }
}
