"""The survey's words in every language it speaks.

The three questions are fixed, so their translations live here beside the
few other sentences a customer reads (the form, the email, the answer pages),
rather than in a message catalogue that would need compiling.
"""

from __future__ import annotations

from django.http import HttpRequest

LANGUAGES = ("en", "es", "fr", "de")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "recommend": "How likely are you to recommend {brand} to a friend or colleague?",
        "better": "What can we do better?",
        "well": "What do we do well?",
        "not_likely": "Not at all likely",
        "very_likely": "Extremely likely",
        "consent": "You may quote my answer, with my name and company, in your marketing.",
        "submit": "Send my answers",
        "thanks": "Thank you! Your answers have been recorded.",
        "already": "Your answers were already recorded. Thank you!",
        "expired": "This survey link has expired.",
        "unknown": "This survey link is not valid. Please use the link in your email.",
        "optional": "optional",
        "text_error": "Please remove the control characters from this answer.",
        "score_error": "Choose a score from 0 to 10.",
        "too_long": "Please keep each answer under {limit} characters (yours has {length}).",
        "subject": "{brand}: how likely are you to recommend us?",
        "intro": "Hello {name}, we would love to hear from you. It takes a minute.",
        "click": "Click a number to answer:",
        "open": "Or open the survey:",
        "unsubscribe": "Unsubscribe from these surveys",
        "unsubscribe_confirm": "Stop receiving surveys from {brand}?",
        "unsubscribed": "You will not receive surveys from {brand} again.",
        "reminder": "A reminder: {brand} would love to hear from you.",
        "too_many": "Too many attempts. Please wait a minute and try again.",
        "session_lost": "This page has expired. Please open the link in your email again.",
    },
    "es": {
        "recommend": "¿Qué probabilidad hay de que recomiende {brand} a un amigo o colega?",
        "better": "¿Qué podemos hacer mejor?",
        "well": "¿Qué hacemos bien?",
        "not_likely": "Nada probable",
        "very_likely": "Muy probable",
        "consent": "Pueden citar mi respuesta, con mi nombre y empresa, en su marketing.",
        "submit": "Enviar mis respuestas",
        "thanks": "¡Gracias! Hemos registrado sus respuestas.",
        "already": "Sus respuestas ya estaban registradas. ¡Gracias!",
        "expired": "Este enlace de encuesta ha caducado.",
        "unknown": "Este enlace de encuesta no es válido. Use el enlace de su correo.",
        "optional": "opcional",
        "text_error": "Quite los caracteres de control de esta respuesta.",
        "score_error": "Elija una puntuación de 0 a 10.",
        "too_long": (
            "Cada respuesta debe tener menos de {limit} caracteres (la suya tiene {length})."
        ),
        "subject": "{brand}: ¿nos recomendaría?",
        "intro": "Hola {name}, nos encantaría conocer su opinión. Solo lleva un minuto.",
        "click": "Haga clic en un número para responder:",
        "open": "O abra la encuesta:",
        "unsubscribe": "Darse de baja de estas encuestas",
        "unsubscribe_confirm": "¿Dejar de recibir encuestas de {brand}?",
        "unsubscribed": "No volverá a recibir encuestas de {brand}.",
        "reminder": "Un recordatorio: a {brand} le encantaría conocer su opinión.",
        "too_many": "Demasiados intentos. Espere un minuto y vuelva a intentarlo.",
        "session_lost": "Esta página ha caducado. Abra de nuevo el enlace de su correo.",
    },
    "fr": {
        "recommend": (
            "Quelle est la probabilité que vous recommandiez {brand} à un ami ou collègue ?"
        ),
        "better": "Que pouvons-nous améliorer ?",
        "well": "Que faisons-nous bien ?",
        "not_likely": "Pas du tout probable",
        "very_likely": "Très probable",
        "consent": "Vous pouvez citer ma réponse, avec mon nom et mon entreprise.",
        "submit": "Envoyer mes réponses",
        "thanks": "Merci ! Vos réponses ont été enregistrées.",
        "already": "Vos réponses étaient déjà enregistrées. Merci !",
        "expired": "Ce lien d'enquête a expiré.",
        "unknown": "Ce lien d'enquête n'est pas valide. Utilisez le lien de votre e-mail.",
        "optional": "facultatif",
        "text_error": "Veuillez retirer les caractères de contrôle de cette réponse.",
        "score_error": "Choisissez une note de 0 à 10.",
        "too_long": (
            "Chaque réponse doit faire moins de {limit} caractères (la vôtre en a {length})."
        ),
        "subject": "{brand} : nous recommanderiez-vous ?",
        "intro": "Bonjour {name}, votre avis nous intéresse. Cela prend une minute.",
        "click": "Cliquez sur une note pour répondre :",
        "open": "Ou ouvrez l'enquête :",
        "unsubscribe": "Se désabonner de ces enquêtes",
        "unsubscribe_confirm": "Ne plus recevoir d'enquêtes de {brand} ?",
        "unsubscribed": "Vous ne recevrez plus d'enquêtes de {brand}.",
        "reminder": "Petit rappel : {brand} aimerait connaître votre avis.",
        "too_many": "Trop de tentatives. Attendez une minute et réessayez.",
        "session_lost": "Cette page a expiré. Ouvrez à nouveau le lien de votre e-mail.",
    },
    "de": {
        "recommend": (
            "Wie wahrscheinlich ist es, dass Sie {brand} einem Freund oder Kollegen empfehlen?"
        ),
        "better": "Was können wir besser machen?",
        "well": "Was machen wir gut?",
        "not_likely": "Überhaupt nicht wahrscheinlich",
        "very_likely": "Äußerst wahrscheinlich",
        "consent": "Sie dürfen meine Antwort mit Namen und Firma im Marketing zitieren.",
        "submit": "Antworten senden",
        "thanks": "Vielen Dank! Ihre Antworten wurden gespeichert.",
        "already": "Ihre Antworten waren bereits gespeichert. Vielen Dank!",
        "expired": "Dieser Umfragelink ist abgelaufen.",
        "unknown": "Dieser Umfragelink ist ungültig. Bitte nutzen Sie den Link aus Ihrer E-Mail.",
        "optional": "optional",
        "text_error": "Bitte entfernen Sie die Steuerzeichen aus dieser Antwort.",
        "score_error": "Wählen Sie einen Wert von 0 bis 10.",
        "too_long": "Bitte jede Antwort unter {limit} Zeichen halten (Ihre hat {length}).",
        "subject": "{brand}: Würden Sie uns empfehlen?",
        "intro": "Hallo {name}, wir würden gern Ihre Meinung hören. Es dauert eine Minute.",
        "click": "Klicken Sie auf eine Zahl, um zu antworten:",
        "open": "Oder öffnen Sie die Umfrage:",
        "unsubscribe": "Von diesen Umfragen abmelden",
        "unsubscribe_confirm": "Keine Umfragen mehr von {brand} erhalten?",
        "unsubscribed": "Sie erhalten keine Umfragen mehr von {brand}.",
        "reminder": "Eine Erinnerung: {brand} würde gern Ihre Meinung hören.",
        "too_many": "Zu viele Versuche. Bitte warten Sie eine Minute.",
        "session_lost": "Diese Seite ist abgelaufen. Bitte öffnen Sie den Link aus Ihrer E-Mail.",
    },
}


def words(language: str, **context: str) -> dict[str, str]:
    """Every sentence in ``language`` (English if unknown), with ``{brand}`` etc. filled."""
    table = TEXT.get(language, TEXT["en"])
    return {key: value.format_map(_Missing(context)) for key, value in table.items()}


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def browser_language(request: HttpRequest, default: str = "en") -> str:
    """The first language of Accept-Language the survey speaks, else ``default``."""
    header = request.headers.get("Accept-Language", "")
    ranked: list[tuple[float, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality + position * 1e-6, tag.strip().lower()[:2]))
    for _, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return default
