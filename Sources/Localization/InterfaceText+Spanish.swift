extension InterfaceText {
    /// Spanish for patients in the United States and Latin America: formal address (usted), plain words.
    public static let spanish = InterfaceText(
        language: .spanish,
        beforeYouBegin: "Antes de empezar:",
        evidenceNone:
            "Evidencia: ninguna guía clínica ha evaluado este tipo de sesión; se ofrece para su comodidad y relajación.",
        evidence: { q, s, guideline, m, _, more in
            "Evidencia (\(guideline)): calidad \(q), recomendación \(s); \(m)"
                + (more > 0 ? " (\(more) \(more == 1 ? "evaluación" : "evaluaciones") más en respite list --json)" : "")
                + ". Puede ayudarle a sobrellevar los síntomas; no trata el cáncer."
        },
        grades: GradeWords(
            high: "alta", intermediate: "intermedia", low: "baja", strong: "fuerte", moderate: "moderada",
            weak: "débil",
            full: "esta sesión es la terapia que se evaluó",
            partial: "esta sesión ofrece solo una parte de la terapia que se evaluó",
            extrapolated: "la evaluación es de una terapia o un síntoma parecidos, no de esta sesión"),
        crisisLineUnitedStates:
            "Si está en crisis o piensa en hacerse daño, llame al 988 y marque 2 para español, o envíe un mensaje "
            + "de texto con la palabra AYUDA al 988, a cualquier hora.",
        crisisLineGeneral:
            "Si está en crisis o piensa en hacerse daño, llame ahora al número de emergencias de su país o a su "
            + "equipo de salud.",
        ratingsBefore: "Antes de empezar: ¿cómo se siente en este momento?",
        ratingsAfter: "¿Cómo se siente ahora?",
        ratingInstructions:
            "Escriba un número del 0 al 10 y pulse Enter. Si pulsa solo Enter, pasa a la siguiente pregunta; s omite las demás.",
        ratingRetry: "Escriba un número entero del 0 al 10, o pulse Enter para omitir esta pregunta.",
        thankYou: "Gracias.",
        ratingCompared: { item, before, now in "\(item): \(before) antes, \(now) ahora" },
        ratingComparisons: { $0.joined(separator: "; ") + "." },
        question: { name, when, low, high in "\(name) \(when): 0 = \(low) … 10 = \(high)" },
        chartHeading: { name, low, high in "\(name): ○ antes, ● después (0 = \(low), 10 = \(high))" },
        ratingItems: [
            "pain": RatingWords("Dolor", low: "sin dolor", high: "el peor dolor posible", when: "ahora"),
            "anxiety": RatingWords(
                "Ansiedad (sentirse nervioso o nerviosa)", short: "Ansiedad", low: "sin ansiedad",
                high: "la peor ansiedad posible", when: "ahora"),
            "fatigue": RatingWords(
                "Cansancio (falta de energía)", short: "Cansancio", low: "sin cansancio",
                high: "el peor cansancio posible", when: "ahora"),
            "drowsiness": RatingWords(
                "Somnolencia (sentirse con sueño)", short: "Somnolencia", low: "sin somnolencia",
                high: "la peor somnolencia posible", when: "ahora"),
            "nausea": RatingWords("Náuseas", low: "sin náuseas", high: "las peores náuseas posibles", when: "ahora"),
            "appetite": RatingWords(
                "Falta de apetito", low: "sin falta de apetito", high: "la peor falta de apetito posible",
                when: "ahora"),
            "breathlessness": RatingWords(
                "Falta de aire", low: "sin falta de aire", high: "la peor falta de aire posible", when: "ahora"),
            "depression": RatingWords(
                "Depresión (sentirse triste)", short: "Depresión", low: "sin depresión",
                high: "la peor depresión posible", when: "ahora"),
            "wellbeing": RatingWords(
                "Bienestar (cómo se siente en general)", short: "Bienestar", low: "el mejor bienestar",
                high: "el peor bienestar posible", when: "ahora"),
            "sleep": RatingWords(
                "Sueño", low: "el mejor sueño", high: "el peor sueño posible", when: "en los últimos días"),
        ],
        gettingReady: "Preparando la sesión; la primera vez tarda un poco más",
        stoppedBeforeStart: "Se detuvo antes de que empezara la sesión.",
        nothingPlayed: "No se reprodujo nada.",
        lastTimeStopped: { "La última vez la detuvo a mitad; para seguir desde ahí: \($0) --resume" },
        rememberedChoiceDropped: { choice, reason in
            "nota: su opción guardada '\(choice)' ya no sirve para esta sesión (\(reason)); se deja de lado."
        },
        usingChoices: {
            "Se usan sus opciones de la última vez: \($0) (puede cambiarlas en la pantalla de inicio o con --set)."
        },
        noStoppedPlace: "No hay ningún punto guardado para esta sesión, así que empieza desde el principio.",
        continuingFrom: { "Se continúa desde \($0), un poco antes de donde la detuvo." },
        changedContinuesFromStep: { step, title, time in
            "La sesión ha cambiado desde que la detuvo, así que continúa desde el inicio del paso \(step) "
                + "(\(title)), en \(time)."
        },
        changedStartsOver:
            "La sesión ha cambiado desde que la detuvo y ese punto ya no existe, así que empieza desde el principio.",
        volumeHeld: { volume, device, file in
            "nota: el volumen se mantiene en \(volume), el límite fijado para '\(device)' en \(file)."
        },
        chooseHeading: "Antes de empezar, elija lo que mejor le convenga hoy:",
        begin: "Empezar",
        setOnCommandLine: "(fijado con --set)",
        startHintOnBegin: "espacio para empezar · q para salir · ↑/↓ o j/k para cambiar algo antes",
        startHintOnChoice: "espacio o Enter cambia esto · b empieza · q para salir · ↑/↓ o j/k para moverse",
        plainChooseHeading: "Antes de empezar, puede cambiar estas opciones:",
        plainChooseInstructions:
            "Escriba un número y pulse Enter para cambiar esa opción, Enter solo para empezar, o q y Enter para salir.",
        noSuchChoice: { "No hay ninguna opción '\($0)'; las opciones van del 1 al \($1)." },
        choiceFixed: { "\($0) se fijó con --set en la línea de órdenes, así que no cambia." },
        choices: ChoiceWords(
            leaveOut: { "Omitir: \($0)" }, no: "no", yes: "sí", releaseOnly: "Solo soltar, sin tensar",
            breathing: "Respiración", asWritten: "como está escrita",
            gentleBreathing: "suave (unos 3 s al inhalar, 4 s al exhalar)",
            pace: "Ritmo", quicker: "más rápido", slower: "más lento, pausas más largas", music: "Música",
            none: "ninguna", musicLevel: "Volumen de la música", quieter: { "\($0) dB más baja" },
            louder: { "\($0) dB más alta" },
            lets: {
                "Esta sesión le permite elegir " + $0.joined(separator: ", ")
                    + ". En una terminal, sin --yes, se las ofrece en una pantalla de inicio."
            },
            areasToLeaveOut: { "zonas que omitir (--set skip=\($0), o algunas de ellas)" },
            releaseOnlySet: "solo soltar (--set releaseOnly=true)",
            gentleBreathingSet: "respiración suave (--set gentleBreathing=true)",
            paceSet: { "el ritmo (--set pace=\($0) a \($1))" }, musicSet: { "la música (--set music=\($0))" },
            musicLevelSet: { "su volumen (--set musicGain=\($0), en dB)" }, or: " o "),
        stepOf: { "Paso \($0) de \($1): \($2)" },
        says: { "dice: \($0)" },
        breathLine: { "\($0), respiración \($1) de \($2)" },
        tenseGently: { "tense con suavidad… \($0) s" },
        releaseAndRelax: "suelte y relájese",
        about: "unos",
        left: "restantes",
        breatheIn: "inhale",
        hold: "pausa",
        breatheOut: "exhale",
        rest: "descanso",
        breathOf: { "respiración \($0) de \($1)" },
        pmrTense: "tensar",
        pmrRelease: "soltar",
        pmrRelax: "relajarse",
        cue: "señal",
        keys: { "n siguiente · p anterior · +/- volumen (\($0)) · q salir" },
        pausedHint: "EN PAUSA — pulse espacio para continuar",
        playingHint: "espacio pausa",
        pausedAt: { "en pausa en \($0) — pulse espacio para continuar" },
        resumedAt: { "continúa en \($0)" },
        movedTo: { "se movió a \($0)" },
        volume: { "volumen \($0)" },
        suspended: { "En pausa en \($0). Escriba fg para volver y luego pulse espacio para continuar." },
        stoppingGently: "Deteniendo con suavidad…",
        stoppingTerminated: "Deteniendo (se pidió terminar)…",
        ended: "La sesión ha terminado. Tómese un momento antes de levantarse.",
        stoppedAt: { "Detenida en \($0) de \($1)." },
        continueWithFrom: { "Para seguir desde ahí, iníciela con --from \($0)." },
        continueLater: { "Para seguir desde ahí más tarde: \($0) --resume" },
        sessionNotFound: { name, nearest, known, folder in
            "No hay ningún archivo ni sesión incluida llamada '\(name)'."
                + (nearest.map { " ¿Quiso decir '\($0)'?" } ?? "")
                + " Sesiones: \(known). `respite list --lang es` muestra las sesiones en español."
                + (folder.map { " Sus propias sesiones van en \($0), como ID.json." } ?? "")
        },
        fromNoSuchStep: { "--from \($0): la sesión tiene los pasos 1…\($1)." },
        fromPastTheEnd: { "--from \($0) queda después del final de la sesión (\($1))." },
        resumeNothingRecorded: {
            "Todavía no hay sesiones registradas, así que no hay una sesión n.º \($0) que continuar."
        },
        resumeNoSuchRun: {
            "No hay ninguna sesión n.º \($0) en el historial; `respite history` muestra las sesiones y sus números."
        },
        resumeFinished: { "La sesión n.º \($0) (\($1)) se reprodujo hasta el final; para escucharla otra vez: \($2)" },
        resumePlaying: { "La sesión n.º \($0) (\($1)) se está reproduciendo ahora; deténgala primero." },
        resumeFromStep: { "Se continúa la sesión n.º \($0), \($1), desde el inicio del paso \($2): \($3)." },
        resumeFromStart: {
            "La sesión n.º \($0), \($1), se detuvo antes de su primer paso; empieza desde el principio."
        },
        resumeChanged: { "nota: la sesión ha cambiado desde entonces; el paso \($0) puede no ser el mismo." },
        listHeadings: ["id", "idioma", "duración", "título", "ayuda con"],
        listAboutNote:
            "(«unos»: la narración aún no se ha generado; la duración es una estimación y será exacta después de la primera vez.)",
        deviceLost: { device, reason, seconds in
            "Se perdió el dispositivo de sonido '\(device)' (\(reason)). Respite guarda su lugar y seguirá "
                + "intentando abrirlo durante \(seconds) s."
        },
        deviceBack: { "El dispositivo de sonido ha vuelto. Se continúa desde \($0)." },
        deviceNotBack: { seconds, time in
            "El dispositivo de sonido no volvió en \(seconds) s, así que la reproducción se detuvo en \(time). "
                + "Revise el altavoz o los auriculares y vuelva a empezar con --from \(time)."
        },
        mustStop: { "La sesión tiene que detenerse aquí: \($0)." },
        sourceUnreadable: { "nota: no se pudo leer \($0) hasta el final (\($1)); desde ahí queda en silencio." },
        deviceBusy: {
            "El dispositivo de sonido '\($0)' está ocupado: otro programa lo está usando. Cierre ese programa, elija "
                + "otro dispositivo con --device NOMBRE (`respite devices` los muestra) o guarde la sesión con "
                + "`respite render`."
        },
        deviceMissing: {
            "No hay ningún dispositivo de sonido llamado '\($0)'. `respite devices` muestra los de este equipo; "
                + "indique uno con --device NOMBRE o guarde la sesión con `respite render`."
        },
        deviceFormat: {
            "El dispositivo de sonido '\($0)' no acepta audio estéreo a \($1) Hz en un formato que Respite escriba "
                + "(float, 32 o 16 bits). Pruebe `--rate 44100`, o un dispositivo que convierta, como --device "
                + "plughw:0 o --device default."
        },
        deviceFailed: {
            "No se pudo abrir el dispositivo de sonido '\($0)': \($1). Pruebe otro con --device NOMBRE (`respite "
                + "devices`) o guarde la sesión con `respite render`."
        },
        noSoundCard: {
            "No se encontró ninguna tarjeta de sonido en este equipo ni hay un servidor de sonido en marcha, así que "
                + "Respite no puede reproducir en voz alta aquí. " + $0 + " Para probar otro dispositivo, use "
                + "--device NOMBRE (`respite devices` los muestra)."
        },
        savingTo: {
            "En su lugar, guarda la sesión en \($0): reproduzca ese archivo en cualquier teléfono o computadora con "
                + "altavoces. Para elegir el archivo, use --output o `respite render`."
        },
        defaultSavePlace: { "\($0).ogg en esta carpeta (o \($0)-2.ogg, etc., si ese nombre ya existe)" },
        serverNotAnswering: { path, reason in
            "El servidor de sonido (PulseAudio o PipeWire, en \(path)) no responde (\(reason)), así que Respite no "
                + "puede reproducir en voz alta. Reiniciarlo suele ayudar: `systemctl --user restart pipewire "
                + "pipewire-pulse` o `systemctl --user restart pulseaudio` (o cierre la sesión y vuelva a entrar); "
                + "luego inicie la sesión de nuevo."
        },
        serverNotReached: { path, reason in
            "Hay un servidor de sonido en marcha (en \(path)), pero el dispositivo predeterminado de ALSA no llegó "
                + "a él (\(reason)). Instale el complemento de ALSA (Debian: `apt install libasound2-plugins`, o "
                + "`pipewire-alsa` con PipeWire), o use --device pulse."
        },
        socketRefused: "conexión rechazada: no hay nada escuchando ahí",
        socketNotSocket: "no es un socket",
        socketPermission: "permiso denegado",
        socketTooLong: "la ruta es demasiado larga para un socket",
        history: HistoryWords(
            run: "n.º", started: "inicio", session: "sesión", played: "reproducido", howItEnded: "cómo terminó",
            before: "antes", after: "después", change: "cambio", notAnswered: "sin respuesta", of: "de",
            legend: "Las valoraciones son antes → después, de 0 a 10; – significa sin respuesta.",
            resumeHint: "Para continuar una sesión que no terminó: respite resume N.º",
            none: "Todavía no hay sesiones registradas.",
            noRatings: "Todavía no hay valoraciones: se preguntan antes y después de cada sesión.",
            playingNow: "en curso", finished: "terminada", stoppedByYou: "detenida por usted",
            deviceLost: "se perdió el dispositivo de sonido", signal: "terminada por una señal",
            failed: "no se pudo leer un archivo",
            crash: "interrumpida: fallo o corte de luz", inStep: { " en el paso \($0)" }))
}
