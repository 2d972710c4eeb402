"""
The demo's texts in Spanish, as the comms team would enter them in the admin.

Some updates and questions are left untranslated on purpose: Spanish readers
then see them in English with a note, as they would on a real incident day.
"""

CATEGORIES_ES = {
    "email": (
        "Dirección de correo electrónico",
        "Espere más intentos de phishing. Nunca le pediremos su contraseña ni sus códigos "
        "por correo electrónico. No haga clic en enlaces de correos sobre este incidente: "
        "escriba usted mismo nuestra dirección.",
    ),
    "password-hash": (
        "Contraseña (cifrada)",
        "Su contraseña estaba guardada de forma cifrada, pero considérela conocida. "
        "**Elija una contraseña nueva** aquí y cámbiela en cualquier otro sitio donde usara "
        "la misma. Active la verificación en dos pasos.",
    ),
    "phone": (
        "Número de teléfono",
        "Desconfíe de llamadas o mensajes que digan venir de nosotros. Nunca le pediremos un "
        "código que le hayamos enviado. Pida a su operador móvil que proteja su número "
        "contra el duplicado de SIM.",
    ),
    "postal-address": (
        "Dirección postal",
        "Desconfíe de cartas que le pidan llamar a un número o hacer un pago. Busque usted "
        "mismo nuestros datos de contacto.",
    ),
    "date-of-birth": (
        "Fecha de nacimiento",
        "Su fecha de nacimiento puede usarse para hacerse pasar por usted. Considere "
        "congelar su crédito y revise su historial crediticio.",
    ),
    "payment-card": (
        "Tarjeta de pago (últimos cuatro dígitos y vencimiento)",
        "No se vieron afectados los números completos de tarjeta. Revise sus extractos e "
        "informe a su banco de cualquier cargo que no reconozca.",
    ),
    "government-id": (
        "Número de documento de identidad",
        "Solicite una alerta de fraude o la congelación de su crédito en las agencias de "
        "crédito y use el código de monitoreo de crédito que le damos.",
    ),
}

INCIDENT_ES = {
    "title_es": "Acceso no autorizado a datos de cuentas de clientes",
    "summary_es": (
        "Un atacante copió parte de nuestra base de datos de clientes. Las contraseñas "
        "estaban guardadas cifradas; no se vieron afectados los números completos de tarjeta."
    ),
    "what_happened_es": (
        "El 18 de noviembre nuestro equipo de seguridad detectó consultas inusuales en una "
        "réplica de una base de datos de clientes. Cortamos ese acceso el mismo día. "
        "Nuestra investigación, con una empresa forense externa, confirmó que un atacante "
        "había usado una credencial filtrada de un contratista para copiar parte de la base "
        "de datos."
    ),
    "what_information_es": (
        "En el caso de los clientes afectados, los datos copiados incluían algunos o todos "
        "los siguientes. Inicie sesión para ver exactamente cuáles le corresponden."
    ),
    "what_we_are_doing_es": (
        "- Revocamos la credencial y cerramos la vía de acceso.\n"
        "- Pedimos una contraseña nueva a cada cliente cuya contraseña cifrada se vio "
        "afectada.\n"
        "- Informamos a la autoridad de protección de datos y a las fuerzas del orden.\n"
        "- Ofrecemos 24 meses de monitoreo de crédito gratuito a los clientes cuyo documento "
        "de identidad o fecha de nacimiento se vio afectado."
    ),
    "what_you_can_do_es": (
        "Inicie sesión para ver qué le corresponde. Sea lo que sea: esté atento al phishing "
        "y active la verificación en dos pasos."
    ),
    "message_standard_es": (
        "Lo sentimos. Su información estaba en los datos copiados. A continuación se indica "
        "exactamente qué se vio afectado y qué le sugerimos hacer en cada caso."
    ),
    "message_priority_es": (
        "Lo sentimos profundamente. Su información estaba en los datos copiados, incluidos "
        "datos que podrían usarse para hacerse pasar por usted. Le pagamos **24 meses de "
        "monitoreo de crédito**; su código de inscripción aparece abajo. Un equipo "
        "especializado responde primero a sus preguntas."
    ),
    "remedy_instructions_es": (
        "Inscríbase en el sitio del proveedor de monitoreo de crédito escribiendo usted mismo "
        "su dirección, e introduzca este código. Es solo suyo y funciona una vez."
    ),
    "more_information_es": (
        "¿Tiene preguntas que no se responden aquí? Escríbanos; una persona lee cada mensaje."
    ),
}

# By the update's English text. The newest public update and the scheduled one are
# left untranslated, so the note about untranslated text shows in the demo.
UPDATES_ES = {
    "investigating": (
        "Estamos investigando un acceso no autorizado a una base de datos de clientes. "
        "Publicaremos aquí lo que sepamos en cuanto podamos confirmarlo."
    ),
    "identified": (
        "Hemos identificado cómo entró el atacante: una credencial filtrada de un "
        "contratista. Hay unos 142.000 clientes afectados (cifra corregida de 120.000 tras "
        "el recuento forense)."
    ),
    "contained": (
        "La vía de acceso está cerrada y la credencial, revocada. Los clientes cuya "
        "contraseña cifrada se vio afectada deberán elegir una contraseña nueva la próxima "
        "vez que inicien sesión."
    ),
}

# By the English question; the others stay untranslated for now.
FAQS_ES = {
    "How do I know whether my information was involved?": (
        "¿Cómo sé si mi información se vio afectada?",
        "Inicie sesión en su cuenta en este sitio. La página de su cuenta le indica, en "
        "privado, si su información se vio afectada y de qué tipo. Nadie más puede "
        "consultarlo por usted.",
    ),
    "Was my password exposed?": (
        "¿Quedó expuesta mi contraseña?",
        "Las contraseñas guardadas estaban cifradas, pero las tratamos como expuestas. Si "
        "la suya se vio afectada, se le pedirá que elija una nueva la próxima vez que inicie "
        "sesión.",
    ),
    "Were my payment card details taken?": (
        "¿Se llevaron los datos de mi tarjeta de pago?",
        "Los números completos de tarjeta y los códigos de seguridad **no** se vieron "
        "afectados. En algunos clientes, sí los últimos cuatro dígitos y la fecha de "
        "vencimiento.",
    ),
    "I received an email about this. Is it really from you?": (
        "Recibí un correo sobre esto. ¿De verdad es suyo?",
        "Nuestros correos nunca contienen enlaces para iniciar sesión ni le piden la "
        "contraseña. Si tiene dudas, no haga clic: escriba usted mismo nuestra dirección en "
        "el navegador.",
    ),
    "How do I contact a person?": (
        "¿Cómo hablo con una persona?",
        "Escriba a help@example.com. Una persona lee cada mensaje, y las preguntas de los "
        "clientes afectados se responden primero.",
    ),
}
